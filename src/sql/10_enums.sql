-- Enumerations of the contract, with the law's terms.

-- Art. 4.3, 6 and 8.2: every basis on which personal data may be processed.
CREATE TYPE compliance.legal_basis AS ENUM (
    'consent',
    -- Art. 6, in its order
    'administrative_criminal_proceedings',
    'justice_enforcement',
    'supervision',
    'national_security',
    'elections',
    'social_insurance',
    'labour_relations',
    'notarial',
    'citizenship_refugees',
    'pensions_benefits',
    'state_statistics',
    'research_anonymised',
    'housing_utilities',
    'contract_with_subject',
    'signed_document',
    'journalism',
    'vital_interests',
    'previously_distributed',
    'legal_obligation',
    'direct_provision',
    -- Art. 8.2, the bases not already listed
    'made_public_by_subject',
    'association_members',
    'medical_assistance',
    'offence_registration',
    'criminal_records',
    'administrative_procedures',
    'readmission',
    'population_documentation'
);
COMMENT ON TYPE compliance.legal_basis IS
    'Legal basis of processing: consent (Art. 4.3, 5) or a basis of Art. 6 / Art. 8.2 of Law 99-Z; see compliance.legal_bases.';

-- Art. 1: categories of personal data; all but the first two are special (Art. 8).
CREATE TYPE compliance.data_category AS ENUM (
    'ordinary',
    'publicly_accessible',
    'racial_ethnic_origin',
    'political_opinions',
    'trade_union_membership',
    'religious_beliefs',
    'health',
    'sex_life',
    'criminal_record',
    'biometric',
    'genetic'
);
COMMENT ON TYPE compliance.data_category IS
    'Category of personal data (Art. 1 of Law 99-Z); every label after publicly_accessible is special-category data (Art. 8).';

-- Art. 5.2-5.3: forms in which consent may be obtained.
CREATE TYPE compliance.consent_form AS ENUM (
    'written',
    'electronic_document',
    'sms_code',
    'email_code',
    'checkbox',
    'other_electronic'
);
COMMENT ON TYPE compliance.consent_form IS
    'Form in which consent was obtained (Art. 5.2-5.3 of Law 99-Z).';

-- Art. 1: the actions that make up processing.
CREATE TYPE compliance.processing_action AS ENUM (
    'collection',
    'systematisation',
    'storage',
    'modification',
    'use',
    'anonymisation',
    'blocking',
    'distribution',
    'provision',
    'deletion'
);
COMMENT ON TYPE compliance.processing_action IS
    'An action on personal data (definition of processing, Art. 1 of Law 99-Z).';

-- Art. 10-13: what a data subject may apply for (Art. 14).
CREATE TYPE compliance.request_kind AS ENUM (
    'withdraw_consent',
    'access',
    'rectify',
    'third_party_info',
    'stop_processing',
    'erase'
);
COMMENT ON TYPE compliance.request_kind IS
    'Kind of a data subject''s application: withdraw_consent (Art. 10), access (Art. 11.1), rectify (Art. 11.4), third_party_info (Art. 12), stop_processing and erase (Art. 13).';

CREATE TABLE compliance.legal_bases (
    basis           compliance.legal_basis PRIMARY KEY,
    article         text NOT NULL,
    allows_special  boolean NOT NULL,
    description     text NOT NULL
);
COMMENT ON TABLE compliance.legal_bases IS
    'Each legal basis with the article paragraph that establishes it and whether it allows special-category data without consent (Art. 8.2). Shipped with the extension; read-only.';
COMMENT ON COLUMN compliance.legal_bases.article IS
    'Article and paragraph of Law 99-Z; "para N" counts the article''s introductory sentence as paragraph 1.';
COMMENT ON COLUMN compliance.legal_bases.allows_special IS
    'True if the basis also covers special-category data (consent, Art. 8.1; or listed in Art. 8.2).';

INSERT INTO compliance.legal_bases (basis, article, allows_special, description) VALUES
('consent', 'Art. 4.3, 5; Art. 8.1', true, 'Consent of the data subject'),
('administrative_criminal_proceedings', 'Art. 6 para 2; Art. 8.2 para 7', true, 'Administrative or criminal proceedings, operational and investigative activities'),
('justice_enforcement', 'Art. 6 para 3; Art. 8.2 para 6', true, 'Administering justice, executing court decisions and other writs (also notary writs and inheritance, Art. 8.2)'),
('supervision', 'Art. 6 para 4', false, 'Checks and supervision in accordance with legislative acts'),
('national_security', 'Art. 6 para 5; Art. 8.2 para 8', true, 'National security, anti-corruption, anti-money-laundering and counter-terrorist financing (with defence, borders, migration and asylum, Art. 8.2)'),
('elections', 'Art. 6 para 6', false, 'Elections, referendums and recall of deputies'),
('social_insurance', 'Art. 6 para 7', false, 'Individual records of insured persons in national social insurance'),
('labour_relations', 'Art. 6 para 8; Art. 8.2 para 3', true, 'Registering labour or service relations and the subject''s labour activities'),
('notarial', 'Art. 6 para 9', false, 'Notarial activities'),
('citizenship_refugees', 'Art. 6 para 10; Art. 8.2 para 8', true, 'Citizenship, refugee status and other protection'),
('pensions_benefits', 'Art. 6 para 11', false, 'Granting and paying pensions and benefits'),
('state_statistics', 'Art. 6 para 12; Art. 8.2 para 11', true, 'State statistical surveys and official statistics'),
('research_anonymised', 'Art. 6 para 13', false, 'Academic or research purposes with compulsory anonymisation'),
('housing_utilities', 'Art. 6 para 14', false, 'Payments for housing and utilities services'),
('contract_with_subject', 'Art. 6 para 15', false, 'Activities under an agreement concluded or being concluded with the subject'),
('signed_document', 'Art. 6 para 16', false, 'Data indicated in a document addressed to the processor and signed by the subject'),
('journalism', 'Art. 6 para 17', false, 'Lawful professional activities of journalists and media in the public interest'),
('vital_interests', 'Art. 6 para 18; Art. 8.2 para 15', true, 'Protecting life, health or vital interests when consent cannot be obtained'),
('previously_distributed', 'Art. 6 para 19', false, 'Previously distributed data, until the subject demands that processing stop'),
('legal_obligation', 'Art. 6 para 20; Art. 8.2 para 16', true, 'Fulfilling obligations or powers provided for in legislative acts'),
('direct_provision', 'Art. 6 para 21; Art. 8.2 para 17', true, 'Processing directly provided for by the Law or other legislative acts'),
('made_public_by_subject', 'Art. 8.2 para 2', true, 'Special-category data made publicly accessible by the subject'),
('association_members', 'Art. 8.2 para 4', true, 'Public associations, parties, trade unions and religious organisations processing their founders'' and members'' data'),
('medical_assistance', 'Art. 8.2 para 5', true, 'Organising medical assistance by staff bound by medical secrecy'),
('offence_registration', 'Art. 8.2 para 9', true, 'The unified state system for registering offences'),
('criminal_records', 'Art. 8.2 para 10', true, 'Keeping criminal records'),
('administrative_procedures', 'Art. 8.2 para 12', true, 'Carrying out administrative procedures'),
('readmission', 'Art. 8.2 para 13', true, 'International treaties on readmission'),
('population_documentation', 'Art. 8.2 para 14', true, 'Documenting the population');
