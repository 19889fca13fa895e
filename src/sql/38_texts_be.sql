-- The documents' text in Belarusian, key for key as in 36_texts_ru.sql.
-- So far the words documents and labels share (the subject's kind, actions
-- on personal data, end dates, other personal data); the sentences of the
-- documents are still to be translated, and documents are not yet
-- generated in Belarusian (compliance.check_lang).

INSERT INTO compliance.document_texts (key, lang, text) VALUES
('doc.natural_person', 'be', 'фізічная асоба'),
('doc.date_format', 'be', 'DD.MM.YYYY'),
('action.collection', 'be', 'збор'),
('action.systematisation', 'be', 'сістэматызацыя'),
('action.storage', 'be', 'захоўванне'),
('action.modification', 'be', 'змяненне'),
('action.use', 'be', 'выкарыстанне'),
('action.anonymisation', 'be', 'абязлічванне'),
('action.blocking', 'be', 'блакіраванне'),
('action.distribution', 'be', 'распаўсюджванне'),
('action.provision', 'be', 'прадастаўленне'),
('action.deletion', 'be', 'выдаленне'),
('doc.until', 'be', 'па %s уключна'),
('doc.other_data', 'be', 'іншыя персанальныя даныя');
