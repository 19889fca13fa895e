-- The registry: processor, purposes, recipients, protected tables, and the
-- reference lists the law relies on.  compliance_admin maintains it
-- (see 99_privileges.sql); every change invalidates backend caches.

-- ISO 3166-1 alpha-2 codes and their names in en, ru and be (from Debian's
-- iso-codes 4.15: iso_3166-1.json and the ru and be iso_3166-1.mo
-- translations; Türkiye's Russian name added by hand), to validate
-- countries and to name them in documents.
CREATE TABLE compliance.countries (
    code    text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    name    text NOT NULL,
    name_ru text NOT NULL,
    name_be text NOT NULL
);
COMMENT ON TABLE compliance.countries IS
    'ISO 3166-1 alpha-2 country codes, used to validate the country of the processor and of recipients, with their short names in English, Russian and Belarusian (Debian''s iso-codes, baked in at build time) for documents. Shipped with the extension; read-only.';

INSERT INTO compliance.countries (code, name, name_ru, name_be) VALUES
('AD', 'Andorra', 'Андорра', 'Андора'),
('AE', 'United Arab Emirates', 'Объединённые Арабские Эмираты', 'Аб''яднаныя Арабскія Эміраты'),
('AF', 'Afghanistan', 'Афганистан', 'Афганістан'),
('AG', 'Antigua and Barbuda', 'Антигуа и Барбуда', 'Антыгуа і Барбуда'),
('AI', 'Anguilla', 'Ангвилла', 'Ангілья'),
('AL', 'Albania', 'Албания', 'Албанія'),
('AM', 'Armenia', 'Армения', 'Арменія'),
('AO', 'Angola', 'Ангола', 'Ангола'),
('AQ', 'Antarctica', 'Антарктика', 'Антарктыда'),
('AR', 'Argentina', 'Аргентина', 'Аргенціна'),
('AS', 'American Samoa', 'Американские Самоа', 'Амерыканскае Самоа'),
('AT', 'Austria', 'Австрия', 'Аўстрыя'),
('AU', 'Australia', 'Австралия', 'Аўстралія'),
('AW', 'Aruba', 'Аруба', 'Аруба'),
('AX', 'Åland Islands', 'Аландские острова', 'Аландскія астравы'),
('AZ', 'Azerbaijan', 'Азербайджан', 'Азербайджан'),
('BA', 'Bosnia and Herzegovina', 'Босния и Герцеговина', 'Боснія і Герцагавіна'),
('BB', 'Barbados', 'Барбадос', 'Барбадас'),
('BD', 'Bangladesh', 'Бангладеш', 'Бангладэш'),
('BE', 'Belgium', 'Бельгия', 'Бельгія'),
('BF', 'Burkina Faso', 'Буркина-Фасо', 'Буркіна-Фасо'),
('BG', 'Bulgaria', 'Болгария', 'Балгарыя'),
('BH', 'Bahrain', 'Бахрейн', 'Бахрэйн'),
('BI', 'Burundi', 'Бурунди', 'Бурундзі'),
('BJ', 'Benin', 'Бенин', 'Бенін'),
('BL', 'Saint Barthélemy', 'Сен-Бартельми', 'Сен-Бартэльмі'),
('BM', 'Bermuda', 'Бермуды', 'Бермудскія астравы'),
('BN', 'Brunei Darussalam', 'Бруней Даруссалам', 'Бруней-Дарусалам'),
('BO', 'Bolivia, Plurinational State of', 'Боливия', 'Балівія, Шматнацыянальная Дзяржава'),
('BQ', 'Bonaire, Sint Eustatius and Saba', 'Бонайре, Синт-Эстатиус и Саба', 'Банэйр, Сінт-Эстатыус і Саба'),
('BR', 'Brazil', 'Бразилия', 'Бразілія'),
('BS', 'Bahamas', 'Багамы', 'Багамскія астравы'),
('BT', 'Bhutan', 'Бутан', 'Бутан'),
('BV', 'Bouvet Island', 'Остров Буве', 'Востраў Бувэ'),
('BW', 'Botswana', 'Ботсвана', 'Батсвана'),
('BY', 'Belarus', 'Беларусь', 'Беларусь'),
('BZ', 'Belize', 'Белиз', 'Беліз'),
('CA', 'Canada', 'Канада', 'Канада'),
('CC', 'Cocos (Keeling) Islands', 'Кокосовые острова', 'Какосавыя (Кілінг) астравы'),
('CD', 'Congo, The Democratic Republic of the', 'Демократическая Республика Конго', 'Конга, Дэмакратычная Рэспубліка'),
('CF', 'Central African Republic', 'Центрально-африканская республика', 'Цэнтральна-Афрыканская Рэспубліка'),
('CG', 'Congo', 'Конго', 'Конга'),
('CH', 'Switzerland', 'Швейцария', 'Швейцарыя'),
('CI', 'Côte d''Ivoire', 'Кот-д''Ивуар', 'Кот д''Івуар'),
('CK', 'Cook Islands', 'Острова Кука', 'Астравы Кука'),
('CL', 'Chile', 'Чили', 'Чылі'),
('CM', 'Cameroon', 'Камерун', 'Камерун'),
('CN', 'China', 'Китай', 'Кітай'),
('CO', 'Colombia', 'Колумбия', 'Калумбія'),
('CR', 'Costa Rica', 'Коста-Рика', 'Коста-Рыка'),
('CU', 'Cuba', 'Куба', 'Куба'),
('CV', 'Cabo Verde', 'Кабо-Верде', 'Каба-Вердэ'),
('CW', 'Curaçao', 'Кюрасао', 'Кюрасаа'),
('CX', 'Christmas Island', 'Остров Рождества', 'Востраў Раства'),
('CY', 'Cyprus', 'Кипр', 'Кіпр'),
('CZ', 'Czechia', 'Чехия', 'Чэхія'),
('DE', 'Germany', 'Германия', 'Германія'),
('DJ', 'Djibouti', 'Джибути', 'Джыбуці'),
('DK', 'Denmark', 'Дания', 'Данія'),
('DM', 'Dominica', 'Доминика', 'Дамініка'),
('DO', 'Dominican Republic', 'Доминиканская республика', 'Дамініканская Рэспубліка'),
('DZ', 'Algeria', 'Алжир', 'Алжыр'),
('EC', 'Ecuador', 'Эквадор', 'Эквадор'),
('EE', 'Estonia', 'Эстония', 'Эстонія'),
('EG', 'Egypt', 'Египет', 'Егіпет'),
('EH', 'Western Sahara', 'Западная Сахара', 'Заходняя Сахара'),
('ER', 'Eritrea', 'Эритрея', 'Эрытрэя'),
('ES', 'Spain', 'Испания', 'Іспанія'),
('ET', 'Ethiopia', 'Эфиопия', 'Эфіопія'),
('FI', 'Finland', 'Финляндия', 'Фінляндыя'),
('FJ', 'Fiji', 'Фиджи', 'Фіджы'),
('FK', 'Falkland Islands (Malvinas)', 'Фолклендские (Мальвинские) острова', 'Фалклендскія астравы (Мальвіны)'),
('FM', 'Micronesia, Federated States of', 'Федеративные Штаты Микронезии', 'Мікранезія, Федэратыўныя Штаты'),
('FO', 'Faroe Islands', 'Фарерские острова', 'Фарэрскія астравы'),
('FR', 'France', 'Франция', 'Францыя'),
('GA', 'Gabon', 'Габон', 'Габон'),
('GB', 'United Kingdom', 'Соединённое Королевство', 'Злучанае Каралеўства'),
('GD', 'Grenada', 'Гренада', 'Грэнада'),
('GE', 'Georgia', 'Грузия', 'Грузія'),
('GF', 'French Guiana', 'Французская Гвиана', 'Французская Гвіяна'),
('GG', 'Guernsey', 'Гернси', 'Гернсі'),
('GH', 'Ghana', 'Гана', 'Гана'),
('GI', 'Gibraltar', 'Гибралтар', 'Гібралтар'),
('GL', 'Greenland', 'Гренландия', 'Грэнландыя'),
('GM', 'Gambia', 'Гамбия', 'Гамбія'),
('GN', 'Guinea', 'Гвинея', 'Гвінея'),
('GP', 'Guadeloupe', 'Гваделупа', 'Гвадэлупа'),
('GQ', 'Equatorial Guinea', 'Экваториальная Гвинея', 'Экватарыяльная Гвінея'),
('GR', 'Greece', 'Греция', 'Грэцыя'),
('GS', 'South Georgia and the South Sandwich Islands', 'Южная Джорджия и Южные Сандвичевы острова', 'Паўднёвая Джорджыя і Паўднёвыя Сандвічавы астравы'),
('GT', 'Guatemala', 'Гватемала', 'Гватэмала'),
('GU', 'Guam', 'Гуам', 'Гуам'),
('GW', 'Guinea-Bissau', 'Гвинея-Бисау', 'Гвінея-Бісау'),
('GY', 'Guyana', 'Гайана', 'Гаяна'),
('HK', 'Hong Kong', 'Гонконг', 'Ганконг'),
('HM', 'Heard Island and McDonald Islands', 'Остров Херд и острова МакДональд', 'Востраў Херд і Астравы Макдоналд'),
('HN', 'Honduras', 'Гондурас', 'Гандурас'),
('HR', 'Croatia', 'Хорватия', 'Харватыя'),
('HT', 'Haiti', 'Гаити', 'Гаіці'),
('HU', 'Hungary', 'Венгрия', 'Венгрыя'),
('ID', 'Indonesia', 'Индонезия', 'Інданезія'),
('IE', 'Ireland', 'Ирландия', 'Ірландыя'),
('IL', 'Israel', 'Израиль', 'Ізраіль'),
('IM', 'Isle of Man', 'Остров Мэн', 'Востраў Мэн'),
('IN', 'India', 'Индия', 'Індыя'),
('IO', 'British Indian Ocean Territory', 'Британская территория Индийского океана', 'Брытанская тэрыторыя ў Індыйскім акіяне'),
('IQ', 'Iraq', 'Ирак', 'Ірак'),
('IR', 'Iran, Islamic Republic of', 'Иран', 'Іран, Ісламская Рэспубліка'),
('IS', 'Iceland', 'Исландия', 'Ісландыя'),
('IT', 'Italy', 'Италия', 'Італія'),
('JE', 'Jersey', 'Джерси', 'Джэрсі'),
('JM', 'Jamaica', 'Ямайка', 'Ямайка'),
('JO', 'Jordan', 'Иордания', 'Іарданія'),
('JP', 'Japan', 'Япония', 'Японія'),
('KE', 'Kenya', 'Кения', 'Кенія'),
('KG', 'Kyrgyzstan', 'Киргизия', 'Кыргызстан'),
('KH', 'Cambodia', 'Камбоджа', 'Камбоджа'),
('KI', 'Kiribati', 'Кирибати', 'Кірыбаці'),
('KM', 'Comoros', 'Коморы', 'Каморскія астравы'),
('KN', 'Saint Kitts and Nevis', 'Сент-Китс и Невис', 'Сент-Кітс і Невіс'),
('KP', 'Korea, Democratic People''s Republic of', 'Корейская Народно-Демократическая Республика', 'Карэя, Народна-Дэмакратычная Рэспубліка'),
('KR', 'Korea, Republic of', 'Республика Корея', 'Карэя, Рэспубліка'),
('KW', 'Kuwait', 'Кувейт', 'Кувейт'),
('KY', 'Cayman Islands', 'Каймановы острова', 'Кайманавы астравы'),
('KZ', 'Kazakhstan', 'Казахстан', 'Казахстан'),
('LA', 'Lao People''s Democratic Republic', 'Лаосская Народно-Демократическая Республика', 'Лаоская Народна-Дэмакратычная Рэспубліка'),
('LB', 'Lebanon', 'Ливан', 'Ліван'),
('LC', 'Saint Lucia', 'Сент-Люсия', 'Сент-Люсія'),
('LI', 'Liechtenstein', 'Лихтенштейн', 'Ліхтэнштэйн'),
('LK', 'Sri Lanka', 'Шри-Ланка', 'Шры-Ланка'),
('LR', 'Liberia', 'Либерия', 'Ліберыя'),
('LS', 'Lesotho', 'Лесото', 'Лесота'),
('LT', 'Lithuania', 'Литва', 'Літва'),
('LU', 'Luxembourg', 'Люксембург', 'Люксембург'),
('LV', 'Latvia', 'Латвия', 'Латвія'),
('LY', 'Libya', 'Ливия', 'Лівія'),
('MA', 'Morocco', 'Марокко', 'Марока'),
('MC', 'Monaco', 'Монако', 'Манака'),
('MD', 'Moldova, Republic of', 'Республика Молдова', 'Малдова, Рэспубліка'),
('ME', 'Montenegro', 'Черногория', 'Чарнагорыя'),
('MF', 'Saint Martin (French part)', 'Сен-Мартен (Франция)', 'Востраў Святога Марціна (французская частка)'),
('MG', 'Madagascar', 'Мадагаскар', 'Мадагаскар'),
('MH', 'Marshall Islands', 'Маршалловы острова', 'Маршалавы Астравы'),
('MK', 'North Macedonia', 'Северная Македония', 'Паўночная Македонія'),
('ML', 'Mali', 'Мали', 'Малі'),
('MM', 'Myanmar', 'Мьянма', 'М''янма'),
('MN', 'Mongolia', 'Монголия', 'Манголія'),
('MO', 'Macao', 'Макао', 'Макаа'),
('MP', 'Northern Mariana Islands', 'Острова северной Марианы', 'Паўночныя Марыянскія астравы'),
('MQ', 'Martinique', 'Мартиника', 'Марцініка'),
('MR', 'Mauritania', 'Мавритания', 'Маўрытанія'),
('MS', 'Montserrat', 'Монтсеррат', 'Мантсерат'),
('MT', 'Malta', 'Мальта', 'Мальта'),
('MU', 'Mauritius', 'Маврикий', 'Маўрыкій'),
('MV', 'Maldives', 'Мальдивы', 'Мальдывы'),
('MW', 'Malawi', 'Малави', 'Малаві'),
('MX', 'Mexico', 'Мексика', 'Мексіка'),
('MY', 'Malaysia', 'Малайзия', 'Малайзія'),
('MZ', 'Mozambique', 'Мозамбик', 'Мазамбік'),
('NA', 'Namibia', 'Намибия', 'Намібія'),
('NC', 'New Caledonia', 'Новая Каледония', 'Новая Каледонія'),
('NE', 'Niger', 'Нигер', 'Нігер'),
('NF', 'Norfolk Island', 'Остров Норфолк', 'Востраў Норфалк'),
('NG', 'Nigeria', 'Нигерия', 'Нігерыя'),
('NI', 'Nicaragua', 'Никарагуа', 'Нікарагуа'),
('NL', 'Netherlands', 'Нидерланды', 'Нідэрланды'),
('NO', 'Norway', 'Норвегия', 'Нарвегія'),
('NP', 'Nepal', 'Непал', 'Непал'),
('NR', 'Nauru', 'Науру', 'Науру'),
('NU', 'Niue', 'Ниуэ', 'Ніуэ'),
('NZ', 'New Zealand', 'Новая Зеландия', 'Новая Зеландыя'),
('OM', 'Oman', 'Оман', 'Аман'),
('PA', 'Panama', 'Панама', 'Панама'),
('PE', 'Peru', 'Перу', 'Перу'),
('PF', 'French Polynesia', 'Французская Полинезия', 'Французская Палінезія'),
('PG', 'Papua New Guinea', 'Папуа — Новая Гвинея', 'Папуа — Новая Гвінея'),
('PH', 'Philippines', 'Филиппины', 'Філіпіны'),
('PK', 'Pakistan', 'Пакистан', 'Пакістан'),
('PL', 'Poland', 'Польша', 'Польшча'),
('PM', 'Saint Pierre and Miquelon', 'Сен-Пьер и Микелон', 'Сен-П''ер і Мікелон'),
('PN', 'Pitcairn', 'Питкэрн', 'Піткэрн'),
('PR', 'Puerto Rico', 'Пуэрто-Рико', 'Пуэрта-Рыка'),
('PS', 'Palestine, State of', 'Палестина', 'Палесціна'),
('PT', 'Portugal', 'Португалия', 'Партугалія'),
('PW', 'Palau', 'Палау', 'Палау'),
('PY', 'Paraguay', 'Парагвай', 'Парагвай'),
('QA', 'Qatar', 'Катар', 'Катар'),
('RE', 'Réunion', 'Реюньон', 'Рэюньён'),
('RO', 'Romania', 'Румыния', 'Румынія'),
('RS', 'Serbia', 'Сербия', 'Сербія'),
('RU', 'Russian Federation', 'Российская Федерация', 'Расійская Федэрацыя'),
('RW', 'Rwanda', 'Руанда', 'Руанда'),
('SA', 'Saudi Arabia', 'Саудовская Аравия', 'Саудаўская Аравія'),
('SB', 'Solomon Islands', 'Соломоновы Острова', 'Саламонавы Астравы'),
('SC', 'Seychelles', 'Сейшелы', 'Сейшэльскія Астравы'),
('SD', 'Sudan', 'Судан', 'Судан'),
('SE', 'Sweden', 'Швеция', 'Швецыя'),
('SG', 'Singapore', 'Сингапур', 'Сінгапур'),
('SH', 'Saint Helena, Ascension and Tristan da Cunha', 'Остров Святой Елены, Остров Вознесения и Тристан-да-Кунья', 'Астравы Святой Алены, Ушэсця і Трыстан-да-Кунья'),
('SI', 'Slovenia', 'Словения', 'Славенія'),
('SJ', 'Svalbard and Jan Mayen', 'Шпицберген и Ян-Майен', 'Шпіцберген і Ян-Маен'),
('SK', 'Slovakia', 'Словакия', 'Славакія'),
('SL', 'Sierra Leone', 'Сьерра-Леоне', 'Сьера-Леонэ'),
('SM', 'San Marino', 'Сан-Марино', 'Сан-Марына'),
('SN', 'Senegal', 'Сенегал', 'Сенегал'),
('SO', 'Somalia', 'Сомали', 'Самалі'),
('SR', 'Suriname', 'Суринам', 'Сурынам'),
('SS', 'South Sudan', 'Южный Судан', 'Паўднёвы Судан'),
('ST', 'Sao Tome and Principe', 'Сан-Томе и Принсипи', 'Сан-Тамэ і Прынсіпі'),
('SV', 'El Salvador', 'Сальвадор', 'Эль-Сальвадор'),
('SX', 'Sint Maarten (Dutch part)', 'Синт-Мартен (голландская часть)', 'Сінт-Мартэн (галандская частка)'),
('SY', 'Syrian Arab Republic', 'Сирийская Арабская Республика', 'Сірыйская Арабская Рэспубліка'),
('SZ', 'Eswatini', 'Эсватини', 'Эсваціні'),
('TC', 'Turks and Caicos Islands', 'Острова Туркс и Каикос', 'Цёркс і Кайкас'),
('TD', 'Chad', 'Чад', 'Чад'),
('TF', 'French Southern Territories', 'Французские южные территории', 'Французскія Паўднёвыя Тэрыторыі'),
('TG', 'Togo', 'Того', 'Тога'),
('TH', 'Thailand', 'Таиланд', 'Тайланд'),
('TJ', 'Tajikistan', 'Таджикистан', 'Таджыкістан'),
('TK', 'Tokelau', 'Токелау', 'Такелаў'),
('TL', 'Timor-Leste', 'Восточный Тимор', 'Усходні Тымор'),
('TM', 'Turkmenistan', 'Туркменистан', 'Туркменістан'),
('TN', 'Tunisia', 'Тунис', 'Туніс'),
('TO', 'Tonga', 'Тонга', 'Тонга'),
('TR', 'Türkiye', 'Турция', 'Турцыя'),
('TT', 'Trinidad and Tobago', 'Тринидад и Тобаго', 'Трынідад і Табага'),
('TV', 'Tuvalu', 'Тувалу', 'Тувалу'),
('TW', 'Taiwan, Province of China', 'Китайская провинция Тайвань', 'Тайвань, правінцыя Кітая'),
('TZ', 'Tanzania, United Republic of', 'Танзания', 'Танзанія, Аб''яднаная Рэспубліка'),
('UA', 'Ukraine', 'Украина', 'Украіна'),
('UG', 'Uganda', 'Уганда', 'Уганда'),
('UM', 'United States Minor Outlying Islands', 'Соединенные штаты Малых Удаленных островов', 'Знешнія малыя астравы ЗША'),
('US', 'United States', 'Соединённые штаты', 'Злучаныя Штаты'),
('UY', 'Uruguay', 'Уругвай', 'Уругвай'),
('UZ', 'Uzbekistan', 'Узбекистан', 'Узбекістан'),
('VA', 'Holy See (Vatican City State)', 'Государство-город Ватикан', 'Святы Прастол (Ватыкан)'),
('VC', 'Saint Vincent and the Grenadines', 'Сент-Винсент и Гренадины', 'Сент-Вінсент і Грэнадзіны'),
('VE', 'Venezuela, Bolivarian Republic of', 'Боливарианская Республика Венесуэла', 'Венесуэла, Баліварыянская Рэспубліка'),
('VG', 'Virgin Islands, British', 'Виргинские острова (Британия)', 'Віргінскія астравы Вялікабрытаніі'),
('VI', 'Virgin Islands, U.S.', 'Виргинские острова (США)', 'Віргінскія астравы (ЗША)'),
('VN', 'Viet Nam', 'Вьетнам', 'В''етнам'),
('VU', 'Vanuatu', 'Вануату', 'Вануату'),
('WF', 'Wallis and Futuna', 'Уоллес и Футана', 'Уоліс і Футуна'),
('WS', 'Samoa', 'Самоа', 'Самоа'),
('YE', 'Yemen', 'Йемен', 'Емен'),
('YT', 'Mayotte', 'Майот', 'Маёта'),
('ZA', 'South Africa', 'Южная Африка', 'Паўднёва-Афрыканская Рэспубліка'),
('ZM', 'Zambia', 'Замбия', 'Замбія'),
('ZW', 'Zimbabwe', 'Зимбабве', 'Зімбабвэ');

-- Statement trigger: every backend drops its cached registry after commit.
CREATE FUNCTION compliance.registry_changed() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'registry_changed';
COMMENT ON FUNCTION compliance.registry_changed() IS
    'Trigger on the registry tables: invalidates every backend''s cached registry when the change commits.';

-- Raises 22023 unless code has the syntax of purpose and recipient codes.
CREATE FUNCTION compliance.check_code(code text, what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF code IS NULL OR code !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid % code "%"', what, code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A code starts with a lowercase letter and has at most 63 lowercase letters, digits or underscores.',
                  HINT = format('Choose a code such as "%s".', CASE what WHEN 'purpose' THEN 'marketing' ELSE 'credit_bureau' END);
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.check_code(text, text) IS
    'Raises invalid_parameter_value unless the code is a valid purpose or recipient code.';

-- Raises 22023 unless country is an ISO 3166-1 alpha-2 code; returns it.
CREATE FUNCTION compliance.check_country(country text) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF country IS NULL OR NOT EXISTS (SELECT FROM compliance.countries c WHERE c.code = country) THEN
        RAISE EXCEPTION 'invalid country code "%"', country
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Countries are given as ISO 3166-1 alpha-2 codes in upper case.',
                  HINT = 'Use a code from compliance.countries, such as ''BY'' or ''DE''.';
    END IF;
    RETURN country;
END
$$;
COMMENT ON FUNCTION compliance.check_country(text) IS
    'Returns the country code if it is an ISO 3166-1 alpha-2 code in compliance.countries; raises invalid_parameter_value otherwise.';

-- Every function that names a subject takes its kind: raises unless the
-- kind is registered; returns it.
CREATE FUNCTION compliance.check_subject_kind(subject_kind text) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF subject_kind IS NULL THEN
        RAISE EXCEPTION 'subject kind is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'A subject is a kind and a key: patient 1 and employee 1 are different people.',
                  HINT = 'Pass subject_kind => a kind of compliance.subject_kinds, or leave it out for ''person''.';
    END IF;
    IF NOT EXISTS (SELECT FROM compliance.subject_kinds k WHERE k.kind = subject_kind) THEN
        RAISE EXCEPTION 'subject kind "%" does not exist', subject_kind
            USING ERRCODE = 'undefined_object',
                  DETAIL = format('Registered kinds: %s.', (SELECT string_agg(k.kind, ', ' ORDER BY k.kind) FROM compliance.subject_kinds k)),
                  HINT = 'Register it with compliance.register_subject_kind(), or pass the kind of the protected table (compliance.protected_tables.subject_kind).';
    END IF;
    RETURN subject_kind;
END
$$;
COMMENT ON FUNCTION compliance.check_subject_kind(text) IS
    'Returns the subject kind if it is registered in compliance.subject_kinds; raises an error naming the registered kinds otherwise.';

-- Art. 5.5, 11.1, 17.3: the processor named in notices, reports and the policy.
CREATE TABLE compliance.processor (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    name        text NOT NULL CHECK (name <> ''),
    location    text NOT NULL CHECK (location <> ''),
    country     text NOT NULL REFERENCES compliance.countries (code),
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- Art. 17.3: who carries out internal supervision of processing, and
    -- how subjects reach them (compliance.set_responsible_person)
    responsible         text CHECK (btrim(responsible) <> ''),
    responsible_contact text CHECK (btrim(responsible_contact) <> ''),
    CHECK ((responsible IS NULL) = (responsible_contact IS NULL))
);
COMMENT ON TABLE compliance.processor IS
    'The processor (Art. 1 of Law 99-Z): name and location shown in consent notices (Art. 5.5), access reports (Art. 11.1) and the policy (Art. 17.3). One row; set with compliance.set_processor().';

CREATE SEQUENCE compliance.purposes_id_seq AS integer MINVALUE 1 MAXVALUE 65535;
CREATE TABLE compliance.purposes (
    id              integer PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.purposes_id_seq')
                    CHECK (id BETWEEN 1 AND 65535),
    code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    title           text NOT NULL CHECK (title <> ''),
    legal_basis     compliance.legal_basis NOT NULL REFERENCES compliance.legal_bases (basis),
    retention       interval CHECK (retention > interval '0'),
    data_items      text[],
    actions         compliance.processing_action[],
    description     text,
    requires_identity boolean NOT NULL DEFAULT false,
    basis_scope     text NOT NULL DEFAULT 'per_subject'
                    CHECK (basis_scope IN ('per_subject', 'all_subjects')),
    registered_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by   name NOT NULL DEFAULT session_user,
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    changed_at      timestamptz,
    changed_by      name,
    retired_at      timestamptz,
    retired_by      name,
    retired_reason  text,
    CHECK ((retired_at IS NULL) = (retired_reason IS NULL))
);
ALTER SEQUENCE compliance.purposes_id_seq OWNED BY compliance.purposes.id;
COMMENT ON TABLE compliance.purposes IS
    'Registered purposes of processing (Art. 4.4 of Law 99-Z), each with its legal basis (Art. 4.3, 6, 8), retention (Art. 4.8) and the data items it may touch (Art. 4.5). Add with compliance.register_purpose().';
COMMENT ON COLUMN compliance.purposes.id IS 'Registry id; compliance.purpose and compliance.purpose_set values store it.';
COMMENT ON COLUMN compliance.purposes.retention IS 'How long data may be kept once the basis for this purpose ends (Art. 4.8); NULL: no retention after the basis ends.';
COMMENT ON COLUMN compliance.purposes.data_items IS 'Column names this purpose may read or write (Art. 4.5); NULL: every column.';
COMMENT ON COLUMN compliance.purposes.requires_identity IS 'True if consent for this purpose must carry the subject''s surname, first name, patronymic, date of birth and identification number (Art. 5.6); otherwise those fields may not be collected.';
COMMENT ON COLUMN compliance.purposes.basis_scope IS 'per_subject: a subject''s rows are processed only under that subject''s own ground (a consent, or a ground recorded with compliance.record_basis()); all_subjects: the legal basis covers every subject in the tables the purpose touches (a statutory register, say), as the policy document states.';
COMMENT ON COLUMN compliance.purposes.actions IS 'Actions on personal data the purpose involves (Art. 1, Art. 5.5); NULL: not stated.';
COMMENT ON COLUMN compliance.purposes.version IS 'The version in force: 1 at registration, one more at each compliance.alter_purpose(); earlier versions are in compliance.purpose_history.';
COMMENT ON COLUMN compliance.purposes.retired_at IS 'When compliance.retire_purpose() ended the purpose: from then on it may not be declared, consented to or granted, and the bases for it have ended (Art. 4.8: retention runs from then).';

-- Earlier versions of purposes: what a consent given, a notice shown or a
-- policy published under a version said stays readable after the registry
-- is corrected (Art. 5.5, 5.7, 17).
CREATE TABLE compliance.purpose_history (
    purpose_id      integer NOT NULL REFERENCES compliance.purposes (id),
    version         integer NOT NULL,
    title           text NOT NULL,
    legal_basis     compliance.legal_basis NOT NULL,
    retention       interval,
    data_items      text[],
    actions         compliance.processing_action[],
    description     text,
    requires_identity boolean NOT NULL,
    basis_scope     text NOT NULL,
    valid_from      timestamptz NOT NULL,
    valid_to        timestamptz NOT NULL,
    changed_by      name NOT NULL,
    change_reason   text NOT NULL,
    PRIMARY KEY (purpose_id, version)
);
COMMENT ON TABLE compliance.purpose_history IS
    'Superseded versions of registered purposes, each in force from valid_from to valid_to (excluded), with who replaced it and why; written only by compliance.alter_purpose(). compliance.purpose_versions shows them with the versions in force.';

-- Art. 17.3 (the procedure for access to personal data): the roles that
-- may process personal data for each purpose.  Kept by role name, so that
-- a dump restores into a cluster whose roles have other OIDs.
CREATE TABLE compliance.purpose_role_grants (
    purpose_id      integer NOT NULL REFERENCES compliance.purposes (id) ON DELETE CASCADE,
    grantee         name NOT NULL,
    granted_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    granted_by      name NOT NULL DEFAULT session_user,
    PRIMARY KEY (purpose_id, grantee)
);
COMMENT ON TABLE compliance.purpose_role_grants IS
    'Roles that may process personal data for a purpose (Art. 17.3 of Law 99-Z: the procedure for access to personal data), by role name; members of a grantee hold it too, superusers hold every purpose. Change with compliance.grant_purpose() and compliance.revoke_purpose(); read compliance.purpose_grants.';

-- Art. 1, 7, 9: who personal data are provided to.
CREATE TABLE compliance.recipients (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    name            text NOT NULL CHECK (name <> ''),
    location        text NOT NULL CHECK (location <> ''),
    country         text NOT NULL REFERENCES compliance.countries (code),
    kind            text NOT NULL DEFAULT 'third_party' CHECK (kind IN ('third_party', 'authorised_person')),
    registered_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE compliance.recipients IS
    'Recipients of personal data: third parties, or authorised persons processing on the processor''s behalf (Art. 1, 7 of Law 99-Z). A recipient outside the processor''s country receives transborder transmissions (Art. 9). Add with compliance.register_recipient().';

-- Art. 1, 5, 11, 13: a subject is a person of one kind (a patient, an
-- employee): kinds keep different people with equal keys apart, so patient
-- 1 and employee 1 never share consents, grounds, blocks, reports,
-- erasure or disclosures.  Every protected table holds subjects of one kind.
CREATE TABLE compliance.subject_kinds (
    kind            text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    title           text NOT NULL CHECK (btrim(title) <> ''),
    title_ru        text CHECK (btrim(title_ru) <> ''),
    registered_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE compliance.subject_kinds IS
    'Kinds of data subjects (patient, employee, ...): a subject is the pair (kind, key), so equal keys of different kinds are different people (Art. 1 of Law 99-Z). The kind person exists at installation. Add with compliance.register_subject_kind().';
INSERT INTO compliance.subject_kinds (kind, title, title_ru) VALUES ('person', 'person', 'физическое лицо');

CREATE TABLE compliance.protected_tables (
    relid           regclass PRIMARY KEY,
    subject_column  name NOT NULL,
    subject_kind    text NOT NULL REFERENCES compliance.subject_kinds (kind),
    protected_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    protected_by    name NOT NULL DEFAULT session_user,
    mode            text NOT NULL DEFAULT 'enforce' CHECK (mode IN ('enforce', 'report'))
);
COMMENT ON TABLE compliance.protected_tables IS
    'Tables holding personal data, with the column that identifies the data subject and the kind of subject it identifies. Add with compliance.protect().';
COMMENT ON COLUMN compliance.protected_tables.mode IS
    'enforce: rows are filtered and refusals are errors; report: queries run unchanged and what enforcement would have refused or filtered is counted in compliance.protection_report (compliance.set_protection_mode).';

-- The registered tables a relation is protected by: itself or its
-- ancestors through inheritance and partitioning.  More than one would make
-- its rows two subjects' at once (CREATE TABLE ... INHERITS (patients,
-- employees)), so a relation may have at most one.
CREATE FUNCTION compliance.protected_ancestors(rel regclass) RETURNS regclass[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE anc(oid) AS (
        SELECT rel::oid
        UNION
        SELECT i.inhparent FROM pg_inherits i JOIN anc ON i.inhrelid = anc.oid
    )
    SELECT coalesce(array_agg(p.relid ORDER BY p.relid::text), '{}')
      FROM anc JOIN compliance.protected_tables p ON p.relid::oid = anc.oid
$$;
COMMENT ON FUNCTION compliance.protected_ancestors(regclass) IS
    'Internal: the protected tables whose protection covers the relation (itself, or an ancestor by inheritance or partitioning).';

-- Who protected and unprotected which table, when (Art. 17.1: the
-- measures the processor takes are documented).  The table's name is kept
-- as it was: a dropped table's OID names nothing.
CREATE SEQUENCE compliance.protection_changes_id_seq AS bigint;
CREATE TABLE compliance.protection_changes (
    id              bigint PRIMARY KEY DEFAULT pg_catalog.nextval('compliance.protection_changes_id_seq'),
    relid           oid NOT NULL,
    table_name      text NOT NULL,
    action          text NOT NULL CHECK (action IN ('protect', 'unprotect', 'report', 'enforce')),
    subject_column  name NOT NULL,
    subject_kind    text NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    changed_by      name NOT NULL DEFAULT session_user
);
ALTER SEQUENCE compliance.protection_changes_id_seq OWNED BY compliance.protection_changes.id;
COMMENT ON TABLE compliance.protection_changes IS
    'Every protect(), unprotect() and change of mode (report, enforce; compliance.set_protection_mode): the table (its OID and name then), its subject column and kind, when, and the session user. Written only by those functions.';
SELECT pg_catalog.pg_extension_config_dump('compliance.protection_changes', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.protection_changes_id_seq', '');

CREATE TABLE compliance.protected_columns (
    relid           regclass NOT NULL REFERENCES compliance.protected_tables (relid) ON DELETE CASCADE,
    column_name     name NOT NULL,
    category        compliance.data_category NOT NULL,
    PRIMARY KEY (relid, column_name)
);
COMMENT ON TABLE compliance.protected_columns IS
    'Category of a protected table''s columns (Art. 1, 8 of Law 99-Z); columns not listed are ordinary personal data. Set by compliance.protect(..., categories).';

-- Art. 9.2, 18.3: the authority's list of countries with adequate protection.
CREATE TABLE compliance.adequate_countries (
    country     text PRIMARY KEY REFERENCES compliance.countries (code),
    note        text,
    is_default  boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE compliance.adequate_countries IS
    'Foreign states that afford an adequate level of protection (Art. 9.2, 18.3 of Law 99-Z). Shipped with a default list (parties to Council of Europe Convention 108 and member states of the Eurasian Economic Union); compliance_admin INSERTs and DELETEs rows to follow the authority''s current list.';
COMMENT ON COLUMN compliance.adequate_countries.is_default IS 'True for rows shipped with the extension; only other rows, and deletions of shipped rows, are dumped by pg_dump.';

-- Shipped rows are re-created by CREATE EXTENSION, so pg_dump keeps only
-- the admins' own rows and, here, the shipped rows they deleted.  The
-- lists with shipped rows are adequate_countries (here) and the calendar's
-- holidays, working_weekends and calendar_years (65_calendar.sql); each
-- has an is_default column and the triggers below.
CREATE TABLE compliance.removed_defaults (
    tbl     text NOT NULL CHECK (tbl IN ('adequate_countries', 'holidays', 'working_weekends', 'calendar_years')),
    key     text NOT NULL,
    PRIMARY KEY (tbl, key)
);
COMMENT ON TABLE compliance.removed_defaults IS
    'Shipped rows of adequate_countries, holidays, working_weekends and calendar_years that an admin deleted or replaced with an own row; restoring a dump deletes them again.';

-- The key column of a list with shipped rows; keys are kept as the text
-- of their JSON value (ISO dates whatever the DateStyle).
CREATE FUNCTION compliance.default_key_column(tbl text) RETURNS name
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (CASE tbl WHEN 'adequate_countries' THEN 'country' WHEN 'calendar_years' THEN 'year' ELSE 'day' END)::name
$$;
COMMENT ON FUNCTION compliance.default_key_column(text) IS
    'The key column of a list with shipped rows (adequate_countries, holidays, working_weekends, calendar_years).';

CREATE FUNCTION compliance.remember_removed_default() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF OLD.is_default THEN
        INSERT INTO compliance.removed_defaults (tbl, key)
        VALUES (TG_TABLE_NAME, to_jsonb(OLD) ->> compliance.default_key_column(TG_TABLE_NAME))
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN OLD;
END
$$;
COMMENT ON FUNCTION compliance.remember_removed_default() IS
    'Trigger: records the deletion of a shipped row so that a dump and restore deletes it again.';

-- An admin's own row for the key of a shipped row replaces that row.  A
-- dump holds the own row; restoring it must not collide with the shipped
-- copy CREATE EXTENSION has re-created, whichever of the list and
-- removed_defaults is loaded first.
CREATE FUNCTION compliance.replace_shipped_default() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT NEW.is_default THEN
        EXECUTE format('DELETE FROM compliance.%I t WHERE t.%2$I = ($1).%2$I AND t.is_default',
                       TG_TABLE_NAME, compliance.default_key_column(TG_TABLE_NAME))
            USING NEW;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION compliance.replace_shipped_default() IS
    'Trigger: an admin''s own row (is_default false) replaces the shipped row with the same key, whose removal is remembered.';

CREATE FUNCTION compliance.apply_removed_default() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_WHEN = 'BEFORE' THEN
        -- Already recorded: an own row loaded first replaced the shipped one.
        IF EXISTS (SELECT FROM compliance.removed_defaults r WHERE r.tbl = NEW.tbl AND r.key = NEW.key) THEN
            RETURN NULL;
        END IF;
        RETURN NEW;
    END IF;
    EXECUTE format('DELETE FROM compliance.%I t WHERE to_jsonb(t.%I) #>> ''{}'' = $1 AND t.is_default',
                   NEW.tbl, compliance.default_key_column(NEW.tbl))
        USING NEW.key;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION compliance.apply_removed_default() IS
    'Trigger: skips a compliance.removed_defaults row already recorded (before insert), and deletes the shipped row a restored one names (after insert).';

CREATE TRIGGER remember_removed_default AFTER DELETE ON compliance.adequate_countries
    FOR EACH ROW EXECUTE FUNCTION compliance.remember_removed_default();
CREATE TRIGGER replace_shipped_default BEFORE INSERT ON compliance.adequate_countries
    FOR EACH ROW EXECUTE FUNCTION compliance.replace_shipped_default();
CREATE TRIGGER skip_known_removed_default BEFORE INSERT ON compliance.removed_defaults
    FOR EACH ROW EXECUTE FUNCTION compliance.apply_removed_default();
CREATE TRIGGER apply_removed_default AFTER INSERT ON compliance.removed_defaults
    FOR EACH ROW EXECUTE FUNCTION compliance.apply_removed_default();

-- Default list: parties to Convention 108 and the EAEU member states, as in
-- the authority's order of 2021. Admins keep it current.
INSERT INTO compliance.adequate_countries (country, note, is_default)
SELECT c, 'Convention 108 party', true
  FROM unnest(ARRAY['AL','AD','AM','AT','AZ','BE','BA','BG','HR','CY','CZ','DK','EE',
                    'FI','FR','GE','DE','GR','HU','IS','IE','IT','LV','LI','LT','LU',
                    'MT','MD','MC','ME','NL','MK','NO','PL','PT','RO','SM','RS','SK',
                    'SI','ES','SE','CH','TR','UA','GB','AR','CV','MU','MX','MA','SN',
                    'TN','UY','RU']) AS c;
INSERT INTO compliance.adequate_countries (country, note, is_default) VALUES
    ('KZ', 'Eurasian Economic Union member state', true),
    ('KG', 'Eurasian Economic Union member state', true);

CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON compliance.purposes
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.registry_changed();
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON compliance.purpose_role_grants
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.registry_changed();
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON compliance.recipients
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.registry_changed();
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON compliance.subject_kinds
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.registry_changed();
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON compliance.protected_tables
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.registry_changed();
CREATE TRIGGER registry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON compliance.protected_columns
    FOR EACH STATEMENT EXECUTE FUNCTION compliance.registry_changed();

SELECT pg_catalog.pg_extension_config_dump('compliance.processor', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.purposes', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.purposes_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.purpose_history', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.purpose_role_grants', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.recipients', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.subject_kinds', 'WHERE kind <> ''person''');
SELECT pg_catalog.pg_extension_config_dump('compliance.protected_tables', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.protected_columns', '');
SELECT pg_catalog.pg_extension_config_dump('compliance.adequate_countries', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('compliance.removed_defaults', '');

-- Registry functions.  SECURITY DEFINER: callers need EXECUTE (granted to
-- compliance_admin), not write access to the tables.

CREATE FUNCTION compliance.set_processor(name text, location text, country text DEFAULT 'BY')
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF coalesce(btrim(name), '') = '' OR coalesce(btrim(location), '') = '' THEN
        RAISE EXCEPTION 'processor name and location are required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'Consent notices and access reports must name the processor and its location (Art. 5.5, 11.1 of Law 99-Z).',
                  HINT = 'Pass the legal name and the registered address, e.g. compliance.set_processor(''Clinic LLC'', ''Minsk, Nezavisimosti Ave 1'').';
    END IF;
    PERFORM compliance.check_country(country);
    INSERT INTO compliance.processor AS p (singleton, name, location, country)
    VALUES (true, set_processor.name, set_processor.location, set_processor.country)
    ON CONFLICT (singleton) DO UPDATE
        SET name = excluded.name, location = excluded.location,
            country = excluded.country, updated_at = pg_catalog.now();
END
$$;
CREATE FUNCTION compliance.set_responsible_person(name text, contact text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF coalesce(btrim(name), '') = '' OR coalesce(btrim(contact), '') = '' THEN
        RAISE EXCEPTION 'the responsible person''s name and contact are required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'A processor appoints a person or subdivision responsible for internal supervision of personal data processing (Art. 17.3 of Law 99-Z); the policy names it and how to reach it.',
                  HINT = 'E.g. compliance.set_responsible_person(''Data protection officer I. Petrova'', ''dpo@clinic.by, +375 17 000-00-00'').';
    END IF;
    UPDATE compliance.processor p
       SET responsible = btrim(set_responsible_person.name),
           responsible_contact = btrim(set_responsible_person.contact), updated_at = pg_catalog.now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the processor is not set'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call compliance.set_processor(name, location) first.';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.set_responsible_person(text, text) IS
    'Records the person or subdivision responsible for internal supervision of personal data processing (Art. 17.3 of Law 99-Z) and how to contact it (address, e-mail, telephone), named in the policy.';

COMMENT ON FUNCTION compliance.set_processor(text, text, text) IS
    'Records the processor''s name, location and ISO 3166-1 alpha-2 country, shown in consent notices (Art. 5.5), access reports (Art. 11.1) and the policy (Art. 17.3). Replaces any earlier value.';

-- What register_purpose() and alter_purpose() accept of a purpose; returns
-- the data items as stored (sorted, without duplicates).
CREATE FUNCTION compliance.check_purpose_fields(title text, legal_basis compliance.legal_basis,
        retention interval, data_items text[], actions compliance.processing_action[], basis_scope text)
    RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_items text[];
    v_unmatched text;
BEGIN
    IF coalesce(btrim(title), '') = '' THEN
        RAISE EXCEPTION 'purpose title is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The title is shown to data subjects in consent notices (Art. 5.5 of Law 99-Z).',
                  HINT = 'Pass a short human-readable title, e.g. ''Marketing e-mails''.';
    END IF;
    IF legal_basis IS NULL THEN
        RAISE EXCEPTION 'legal basis is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'Every purpose needs consent or a basis of Art. 6 or Art. 8.2 of Law 99-Z.',
                  HINT = 'Pass ''consent'' or a label from compliance.legal_bases.';
    END IF;
    IF retention IS NOT NULL AND retention <= interval '0' THEN
        RAISE EXCEPTION 'retention must be positive'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s.', retention),
                  HINT = 'Pass how long data may be kept after the basis ends (Art. 4.8), e.g. interval ''3 years'', or NULL.';
    END IF;
    IF data_items IS NOT NULL THEN
        IF array_position(data_items, NULL) IS NOT NULL
           OR EXISTS (SELECT FROM unnest(data_items) i WHERE btrim(i) = '') THEN
            RAISE EXCEPTION 'data items must be non-empty column names'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'List the columns the purpose may touch (Art. 4.5), e.g. ARRAY[''email'', ''name''].';
        END IF;
        SELECT string_agg(format('"%s"', CASE WHEN char_length(i) > 64 THEN left(i, 64) || '...' ELSE i END), ', ')
          INTO v_unmatched FROM unnest(data_items) i
         WHERE cardinality(string_to_array(i, '.')) > 3 OR '' = ANY (string_to_array(i, '.'))
            OR EXISTS (SELECT FROM unnest(string_to_array(i, '.')) p WHERE octet_length(p) > 63);
        IF v_unmatched IS NOT NULL THEN
            RAISE EXCEPTION 'malformed data items: %', v_unmatched
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A data item is a column name, or one qualified by its table, or by its schema and table; names have at most 63 bytes.',
                      HINT = 'Write ''email'', ''patients.email'' or ''public.patients.email''.';
        END IF;
        SELECT array_agg(DISTINCT i ORDER BY i) INTO v_items FROM unnest(data_items) i;
        IF cardinality(data_items) = 0 THEN
            RAISE EXCEPTION 'data items must not be empty'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A purpose that may touch no column cannot process personal data.',
                      HINT = 'Pass NULL to allow every column, or list the columns it may touch.';
        END IF;
    END IF;
    IF actions IS NOT NULL AND array_position(actions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'actions must not contain NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'List actions from compliance.processing_action, e.g. ARRAY[''collection'', ''use'']::compliance.processing_action[].';
    END IF;
    -- Art. 4.3, 6: a ground other than consent is usually a fact about one
    -- subject (a contract, an employment) with a start and an end; only a
    -- ground that by law covers everyone may be declared for all subjects.
    IF basis_scope IS NULL OR basis_scope NOT IN ('per_subject', 'all_subjects') THEN
        RAISE EXCEPTION 'basis scope must be ''per_subject'' or ''all_subjects'''
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s.', coalesce(quote_literal(basis_scope), 'NULL')),
                  HINT = 'Use ''per_subject'' (the default: each subject''s ground is recorded with compliance.record_basis()) unless the basis covers every subject by law.';
    END IF;
    IF legal_basis = 'consent' AND basis_scope = 'all_subjects' THEN
        RAISE EXCEPTION 'a purpose based on consent cannot cover all subjects'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Consent is given by each subject for itself (Art. 5.1 of Law 99-Z).',
                  HINT = 'Omit basis_scope, or register the purpose under the legal basis that covers every subject.';
    END IF;
    RETURN v_items;
END
$$;
COMMENT ON FUNCTION compliance.check_purpose_fields(text, compliance.legal_basis, interval, text[], compliance.processing_action[], text) IS
    'Internal to compliance.register_purpose() and compliance.alter_purpose(): checks a purpose''s title, legal basis, retention, data items, actions and basis scope; returns the data items sorted and without duplicates.';

CREATE FUNCTION compliance.register_purpose(code text, title text,
        legal_basis compliance.legal_basis DEFAULT 'consent',
        retention interval DEFAULT NULL,
        data_items text[] DEFAULT NULL,
        actions compliance.processing_action[] DEFAULT NULL,
        description text DEFAULT NULL,
        requires_identity boolean DEFAULT false,
        basis_scope text DEFAULT 'per_subject')
    RETURNS compliance.purpose
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_items text[];
BEGIN
    PERFORM compliance.check_code(code, 'purpose');
    v_items := compliance.check_purpose_fields(title, legal_basis, retention, data_items, actions, basis_scope);
    IF EXISTS (SELECT FROM compliance.purposes p WHERE p.code = register_purpose.code) THEN
        RAISE EXCEPTION 'purpose "%" is already registered', code
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Choose another code; see compliance.purposes for registered ones.';
    END IF;
    INSERT INTO compliance.purposes (code, title, legal_basis, retention, data_items, actions, description,
                                     requires_identity, basis_scope)
    VALUES (code, btrim(title), legal_basis, retention, v_items,
            (SELECT array_agg(DISTINCT a ORDER BY a) FROM unnest(actions) a), description,
            coalesce(requires_identity, false), basis_scope);
    PERFORM compliance.warn_unmatched_items(code);
    RETURN code::compliance.purpose;
END
$$;
COMMENT ON FUNCTION compliance.register_purpose(text, text, compliance.legal_basis, interval, text[], compliance.processing_action[], text, boolean, text) IS
    'Registers a purpose of processing (Art. 4.4 of Law 99-Z) with its legal basis (Art. 6, 8), retention after the basis ends (Art. 4.8), the columns it may touch (Art. 4.5; NULL = all), its actions, whether consent for it carries the identity fields of Art. 5.6, and whether its basis is recorded per subject (the default) or covers all subjects; returns it.';

-- Art. 4.5: may a purpose with these data items touch one of the tables?
-- An item names a column in every table ('email') or in one table
-- ('patients.email', 'public.patients.email'): split at its dots, each
-- part compared whole, so a name that itself holds a dot never matches.
-- A special-category column (Art. 8) is touched only when named with its
-- table; NULL items touch every ordinary column.  The row filter reads
-- items the same way in C (data_item_names, check_data_items in enforce.c).
CREATE FUNCTION compliance.items_touch(data_items text[], tables regclass[]) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN compliance.protected_columns pc
                 ON pc.relid = a.attrelid AND pc.column_name = a.attname
                AND pc.category > 'publicly_accessible'
         WHERE a.attrelid = ANY (tables) AND a.attnum > 0 AND NOT a.attisdropped
           AND CASE WHEN data_items IS NULL THEN pc.relid IS NULL
               ELSE EXISTS (
                   SELECT FROM unnest(data_items) i, string_to_array(i, '.') p
                    WHERE CASE cardinality(p)
                          WHEN 1 THEN pc.relid IS NULL AND p[1] = a.attname
                          WHEN 2 THEN p[1] = c.relname AND p[2] = a.attname
                          WHEN 3 THEN p[1] = n.nspname AND p[2] = c.relname AND p[3] = a.attname
                          ELSE false END) END)
$$;
COMMENT ON FUNCTION compliance.items_touch(text[], regclass[]) IS
    'Internal: true if data items (Art. 4.5 of Law 99-Z) may touch a column of one of the tables: NULL items every ordinary column; ''column'' that ordinary column in every table; ''table.column'' or ''schema.table.column'' only there, special categories (Art. 8) included.';

-- Data items that name no column a purpose may touch in any protected
-- table: a misspelt item silently allows nothing, or the table is not
-- protected yet.  register_purpose() warns; the DBA reads the list.
CREATE VIEW compliance.unmatched_data_items AS
SELECT p.code::compliance.purpose AS purpose, i.item AS data_item
  FROM compliance.purposes p
 CROSS JOIN LATERAL unnest(p.data_items) WITH ORDINALITY AS i(item, n)
 WHERE NOT compliance.items_touch(ARRAY[i.item], ARRAY(SELECT t.relid FROM compliance.protected_tables t))
 ORDER BY p.id, i.n;
COMMENT ON VIEW compliance.unmatched_data_items IS
    'Data items of registered purposes (Art. 4.5 of Law 99-Z) that name no column the purpose may touch in any protected table: a misspelt column, a table not protected yet, or an unqualified name of a special-category column (those are named with their table).';

-- Once tables are protected, a data item that names none of their columns
-- is most likely a typo (before, the tables come later).
CREATE FUNCTION compliance.warn_unmatched_items(code text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_unmatched text;
BEGIN
    SELECT string_agg(format('"%s"', u.data_item), ', ') INTO v_unmatched
      FROM compliance.unmatched_data_items u WHERE u.purpose = code::compliance.purpose;
    IF v_unmatched IS NOT NULL AND EXISTS (SELECT FROM compliance.protected_tables) THEN
        RAISE WARNING 'data items of purpose "%" name no column it may touch in a protected table: %', code, v_unmatched
            USING DETAIL = 'The purpose may touch only the columns its data items name (Art. 4.5 of Law 99-Z); these name none.',
                  HINT = 'Items are ''column'', ''table.column'' or ''schema.table.column'' (special-category columns only with their table). Protect the table that holds them, or see compliance.unmatched_data_items.';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.warn_unmatched_items(text) IS
    'Internal: a WARNING naming the data items of a purpose that name no column it may touch in a protected table (compliance.unmatched_data_items), once any table is protected.';

-- Correcting the registry (Art. 4.4, 4.5, 4.8): a purpose is changed in
-- place, so enforcement, consents and grants keep pointing at it, and the
-- version it replaces goes to purpose_history with who changed it and why.
-- NULL leaves a field as it is; clear names the fields to empty (retention,
-- data_items, actions, description).
CREATE FUNCTION compliance.alter_purpose(purpose compliance.purpose,
        title text DEFAULT NULL,
        legal_basis compliance.legal_basis DEFAULT NULL,
        retention interval DEFAULT NULL,
        data_items text[] DEFAULT NULL,
        actions compliance.processing_action[] DEFAULT NULL,
        description text DEFAULT NULL,
        requires_identity boolean DEFAULT NULL,
        basis_scope text DEFAULT NULL,
        reason text DEFAULT NULL,
        clear text[] DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old compliance.purposes;
    v_new compliance.purposes;
    v_items text[];
    v_bad text;
BEGIN
    IF purpose IS NULL THEN
        RAISE EXCEPTION 'purpose is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the code of a registered purpose.';
    END IF;
    IF coalesce(btrim(reason), '') = '' THEN
        RAISE EXCEPTION 'a change of purpose "%" needs its reason', purpose
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'Earlier versions stay on record with who changed them and why: consents and notices given under them say what they said (Art. 5.5, 5.7 of Law 99-Z).',
                  HINT = 'Pass reason => why the purpose changes, e.g. ''title corrected''.';
    END IF;
    SELECT string_agg(c, ', ') INTO v_bad FROM unnest(clear) c
     WHERE c IS NULL OR c NOT IN ('retention', 'actions', 'description');
    IF v_bad IS NOT NULL OR array_position(clear, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'cannot clear %', coalesce(v_bad, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'clear takes retention, actions and description. Data items are replaced, not cleared: no items would let the purpose touch every column.';
    END IF;
    SELECT * INTO v_old FROM compliance.purposes p WHERE p.code = purpose::text FOR UPDATE;
    IF v_old.retired_at IS NOT NULL THEN
        RAISE EXCEPTION 'purpose "%" is retired', purpose
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was retired: %s.', v_old.retired_reason),
                  HINT = 'Register a new purpose.';
    END IF;
    v_new := v_old;
    v_new.title := coalesce(btrim(alter_purpose.title), v_old.title);
    v_new.legal_basis := coalesce(alter_purpose.legal_basis, v_old.legal_basis);
    v_new.retention := CASE WHEN 'retention' = ANY (clear) THEN NULL ELSE coalesce(alter_purpose.retention, v_old.retention) END;
    v_new.data_items := coalesce(alter_purpose.data_items, v_old.data_items);
    v_new.actions := CASE WHEN 'actions' = ANY (clear) THEN NULL ELSE coalesce(alter_purpose.actions, v_old.actions) END;
    v_new.description := CASE WHEN 'description' = ANY (clear) THEN NULL ELSE coalesce(alter_purpose.description, v_old.description) END;
    v_new.requires_identity := coalesce(alter_purpose.requires_identity, v_old.requires_identity);
    v_new.basis_scope := coalesce(alter_purpose.basis_scope, v_old.basis_scope);
    v_items := compliance.check_purpose_fields(v_new.title, v_new.legal_basis, v_new.retention,
                                               v_new.data_items, v_new.actions, v_new.basis_scope);
    -- What subjects agreed to, and the grounds recorded, were given under
    -- the basis as it was: a new basis is a new purpose (Art. 4.3, 5.1).
    IF (v_new.legal_basis, v_new.basis_scope, v_new.requires_identity)
       IS DISTINCT FROM (v_old.legal_basis, v_old.basis_scope, v_old.requires_identity)
       AND (EXISTS (SELECT FROM compliance.consent_ledger l WHERE l.registry_ref = v_old.id
                       OR l.purposes @> purpose)
            OR EXISTS (SELECT FROM compliance.subject_grounds g WHERE g.registry_ref = v_old.id)) THEN
        RAISE EXCEPTION 'the legal basis, scope and identity requirement of purpose "%" cannot change', purpose
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Consents or grounds were recorded under them: subjects agreed, and grounds were kept, under the purpose as it was (Art. 4.3, 5.1 of Law 99-Z).',
                  HINT = 'Register a new purpose with the new basis and retire this one.';
    END IF;
    -- a consent covers the data it named: a consent purpose may touch less, not more
    IF v_old.legal_basis = 'consent'
       AND (v_old.data_items IS NOT NULL AND NOT v_items <@ v_old.data_items)
       AND EXISTS (SELECT FROM compliance.consent_ledger l WHERE l.purposes @> purpose) THEN
        RAISE EXCEPTION 'the data items of consent purpose "%" can only be narrowed', purpose
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Subjects consented to processing of %s (Art. 5.1, 5.5 of Law 99-Z); %s were not in it.',
                                  array_to_string(v_old.data_items, ', '),
                                  (SELECT string_agg(i, ', ') FROM unnest(v_items) i WHERE NOT i = ANY (v_old.data_items))),
                  HINT = 'Register a new purpose for the wider data and ask for consent to it.';
    END IF;
    IF (v_new.title, v_new.legal_basis, v_new.retention, v_items, v_new.actions, v_new.description,
        v_new.requires_identity, v_new.basis_scope)
       IS NOT DISTINCT FROM
       (v_old.title, v_old.legal_basis, v_old.retention, v_old.data_items, v_old.actions, v_old.description,
        v_old.requires_identity, v_old.basis_scope) THEN
        RAISE NOTICE 'purpose "%" is unchanged', purpose;
        RETURN v_old.version;
    END IF;
    INSERT INTO compliance.purpose_history (purpose_id, version, title, legal_basis, retention, data_items,
                                            actions, description, requires_identity, basis_scope,
                                            valid_from, valid_to, changed_by, change_reason)
    VALUES (v_old.id, v_old.version, v_old.title, v_old.legal_basis, v_old.retention, v_old.data_items,
            v_old.actions, v_old.description, v_old.requires_identity, v_old.basis_scope,
            coalesce(v_old.changed_at, v_old.registered_at), now(), session_user, btrim(reason));
    UPDATE compliance.purposes p
       SET title = v_new.title, legal_basis = v_new.legal_basis, retention = v_new.retention,
           data_items = v_items,
           actions = (SELECT array_agg(DISTINCT a ORDER BY a) FROM unnest(v_new.actions) a),
           description = v_new.description, requires_identity = v_new.requires_identity,
           basis_scope = v_new.basis_scope,
           version = v_old.version + 1, changed_at = now(), changed_by = session_user
     WHERE p.id = v_old.id;
    PERFORM compliance.warn_unmatched_items(purpose::text);
    RETURN v_old.version + 1;
END
$$;
COMMENT ON FUNCTION compliance.alter_purpose(compliance.purpose, text, compliance.legal_basis, interval, text[], compliance.processing_action[], text, boolean, text, text, text[]) IS
    'Changes a registered purpose in place (title, legal basis, retention, data items, actions, description, identity requirement, basis scope; NULL keeps a field, clear empties retention, actions or description; the basis, scope and identity requirement stay once consents or grounds were recorded, and a consent purpose''s data items only narrow once consents were given), checked as register_purpose checks them; the version replaced goes to compliance.purpose_history with who changed it and why (reason is required). Enforcement follows from the next statement. Returns the new version.';

-- Art. 4.4, 4.8: a purpose the processor no longer pursues.  Kept in the
-- registry (consents, grounds, disclosures and receipts refer to it), but
-- nothing may be processed, consented to or granted for it any more, and
-- the bases for it end now: retention runs from here.
CREATE FUNCTION compliance.retire_purpose(purpose compliance.purpose, reason text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old compliance.purposes;
BEGIN
    IF purpose IS NULL OR coalesce(btrim(reason), '') = '' THEN
        RAISE EXCEPTION 'purpose and reason are required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'E.g. compliance.retire_purpose(''newsletter'', ''newsletter discontinued'').';
    END IF;
    SELECT * INTO v_old FROM compliance.purposes p WHERE p.code = purpose::text FOR UPDATE;
    IF v_old.retired_at IS NOT NULL THEN
        RAISE EXCEPTION 'purpose "%" is already retired', purpose
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was retired: %s.', v_old.retired_reason);
    END IF;
    UPDATE compliance.purposes p
       SET retired_at = now(), retired_by = session_user, retired_reason = btrim(reason)
     WHERE p.id = v_old.id;
END
$$;
COMMENT ON FUNCTION compliance.retire_purpose(compliance.purpose, text) IS
    'Retires a purpose (Art. 4.4, 4.8 of Law 99-Z): from the next statement it may not be declared, consented to, recorded as a ground or granted; the bases for it end now, so its retention runs from now. It stays in the registry for the consents, grounds and disclosures that name it.';

-- Nothing new is started for a retired purpose: no consent, notice, ground
-- or grant.
CREATE FUNCTION compliance.check_purposes_in_force(purposes compliance.purpose_set) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_retired text;
BEGIN
    SELECT string_agg(format('%s (%s)', p.code, p.retired_reason), ', ' ORDER BY p.id)
      INTO v_retired
      FROM compliance.purposes p
     WHERE p.retired_at IS NOT NULL AND check_purposes_in_force.purposes @> p.code::compliance.purpose;
    IF v_retired IS NOT NULL THEN
        RAISE EXCEPTION 'retired purposes: %', v_retired
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The processor no longer pursues them (compliance.retire_purpose); personal data may not be processed for them (Art. 4.4 of Law 99-Z).',
                  HINT = 'Use purposes in force; see compliance.purposes.';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.check_purposes_in_force(compliance.purpose_set) IS
    'Internal: raises an error naming the retired purposes among those given (consents, notices, grounds and grants are refused for them).';

-- Every version of every purpose, with the time it was in force: the one
-- a receipt was given under is the one in force at its given_at.
CREATE VIEW compliance.purpose_versions AS
SELECT p.code::compliance.purpose AS purpose, h.version, h.title, h.legal_basis, h.retention,
       h.data_items, h.actions, h.description, h.requires_identity, h.basis_scope,
       h.valid_from, h.valid_to, h.changed_by, h.change_reason
  FROM compliance.purpose_history h
  JOIN compliance.purposes p ON p.id = h.purpose_id
UNION ALL
SELECT p.code::compliance.purpose, p.version, p.title, p.legal_basis, p.retention,
       p.data_items, p.actions, p.description, p.requires_identity, p.basis_scope,
       coalesce(p.changed_at, p.registered_at), p.retired_at, NULL, NULL
  FROM compliance.purposes p;
COMMENT ON VIEW compliance.purpose_versions IS
    'Every version of every registered purpose with the time it was in force (valid_from included, valid_to excluded; NULL: in force now) and, for superseded ones, who replaced them and why. The version a consent was given under is the one in force at its given_at.';

-- Art. 17.3: who may declare a purpose.  A role holds the purposes granted
-- to it or to a role whose privileges it has (has_privs_of_role, as for
-- table privileges); superusers hold every purpose.
CREATE FUNCTION compliance.grant_purpose(purpose compliance.purpose, grantee regrole) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF purpose IS NULL OR grantee IS NULL THEN
        RAISE EXCEPTION 'purpose and grantee are required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call compliance.grant_purpose(''marketing'', ''app_role'').';
    END IF;
    PERFORM compliance.check_purposes_in_force(compliance.purpose_set(ARRAY[purpose]));
    IF grantee::oid = 0 THEN
        RAISE EXCEPTION 'purposes are granted to roles, not to PUBLIC'
            USING ERRCODE = 'invalid_grant_operation',
                  DETAIL = 'Access to personal data for a purpose is granted to those the processor names (Art. 17.3 of Law 99-Z).',
                  HINT = 'Grant the purpose to a group role and make the application roles its members.';
    END IF;
    INSERT INTO compliance.purpose_role_grants (purpose_id, grantee)
    SELECT p.id, r.rolname FROM compliance.purposes p, pg_roles r
     WHERE p.code = grant_purpose.purpose::text AND r.oid = grant_purpose.grantee::oid
    ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION compliance.grant_purpose(compliance.purpose, regrole) IS
    'Lets the role, and roles with its privileges, process personal data for the purpose: declare it in compliance.purpose on protected tables (Art. 17.3 of Law 99-Z).';

CREATE FUNCTION compliance.revoke_purpose(purpose compliance.purpose, grantee regrole) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF purpose IS NULL OR grantee IS NULL THEN
        RAISE EXCEPTION 'purpose and grantee are required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call compliance.revoke_purpose(''marketing'', ''app_role'').';
    END IF;
    DELETE FROM compliance.purpose_role_grants g
     USING compliance.purposes p, pg_roles r
     WHERE g.purpose_id = p.id AND p.code = revoke_purpose.purpose::text
       AND r.oid = revoke_purpose.grantee::oid AND g.grantee = r.rolname;
    IF NOT FOUND THEN
        RAISE NOTICE 'role % was not granted purpose %', grantee, purpose
            USING HINT = 'See compliance.purpose_grants; a role may also hold a purpose through a role it is a member of.';
    END IF;
END
$$;
COMMENT ON FUNCTION compliance.revoke_purpose(compliance.purpose, regrole) IS
    'Takes back a grant of compliance.grant_purpose(); from the next statement the role may no longer declare the purpose on protected tables.';

CREATE VIEW compliance.purpose_grants AS
SELECT p.code::compliance.purpose AS purpose,
       to_regrole(quote_ident(g.grantee)) AS grantee,
       g.granted_at, g.granted_by
  FROM compliance.purpose_role_grants g
  JOIN compliance.purposes p ON p.id = g.purpose_id
 WHERE to_regrole(quote_ident(g.grantee)) IS NOT NULL;
COMMENT ON VIEW compliance.purpose_grants IS
    'Which role may process personal data for which purpose (Art. 17.3 of Law 99-Z), granted with compliance.grant_purpose(); members of a grantee hold the purpose too.';

CREATE FUNCTION compliance.register_subject_kind(kind text, title text, title_ru text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind IS NULL OR kind !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid subject kind "%"', kind
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A kind starts with a lowercase letter and has at most 63 lowercase letters, digits or underscores.',
                  HINT = 'Choose a kind such as "patient" or "employee".';
    END IF;
    IF coalesce(btrim(title), '') = '' OR (title_ru IS NOT NULL AND btrim(title_ru) = '') THEN
        RAISE EXCEPTION 'a subject kind needs a title'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The title names the kind of person in access reports and the policy document (Art. 11.1, 17.3 of Law 99-Z).',
                  HINT = 'Pass title => ''patient'' and title_ru => ''пациент''.';
    END IF;
    IF EXISTS (SELECT FROM compliance.subject_kinds k WHERE k.kind = register_subject_kind.kind) THEN
        RAISE EXCEPTION 'subject kind "%" is already registered', kind
            USING ERRCODE = 'duplicate_object',
                  HINT = 'See compliance.subject_kinds for the registered kinds.';
    END IF;
    INSERT INTO compliance.subject_kinds (kind, title, title_ru)
    VALUES (kind, btrim(title), btrim(title_ru));
END
$$;
COMMENT ON FUNCTION compliance.register_subject_kind(text, text, text) IS
    'Registers a kind of data subject (patient, employee, ...): subjects of different kinds are different people even with equal keys (Art. 1 of Law 99-Z); pass it to compliance.protect() and, by name, to every function that names a subject.';

CREATE FUNCTION compliance.register_recipient(code text, name text, location text,
        country text, kind text DEFAULT 'third_party')
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM compliance.check_code(code, 'recipient');
    IF coalesce(btrim(name), '') = '' OR coalesce(btrim(location), '') = '' THEN
        RAISE EXCEPTION 'recipient name and location are required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'Subjects are told the name and location of whoever received their data (Art. 11.1, 12.2 of Law 99-Z).',
                  HINT = 'Pass the recipient''s legal name and address.';
    END IF;
    PERFORM compliance.check_country(country);
    IF kind IS NULL OR kind NOT IN ('third_party', 'authorised_person') THEN
        RAISE EXCEPTION 'invalid recipient kind "%"', kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''third_party'', or ''authorised_person'' for one processing on the processor''s behalf (Art. 7).';
    END IF;
    IF EXISTS (SELECT FROM compliance.recipients r WHERE r.code = register_recipient.code) THEN
        RAISE EXCEPTION 'recipient "%" is already registered', code
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Choose another code; see compliance.recipients for registered ones.';
    END IF;
    INSERT INTO compliance.recipients (code, name, location, country, kind)
    VALUES (code, btrim(name), btrim(location), country, kind);
END
$$;
COMMENT ON FUNCTION compliance.register_recipient(text, text, text, text, text) IS
    'Registers a recipient of personal data: a third party or an authorised person (Art. 7 of Law 99-Z), with its ISO 3166-1 alpha-2 country (transborder rules, Art. 9).';

CREATE FUNCTION compliance.user_code_over_rows(tbl regclass) RETURNS text
    LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'user_code_over_rows';
COMMENT ON FUNCTION compliance.user_code_over_rows(regclass) IS
    'Internal: what of the table would run code its owner could replace over every stored row in ANALYZE, REINDEX, CLUSTER or VACUUM FULL (a column type''s range functions, an index or statistics expression); NULL if nothing.';
REVOKE EXECUTE ON FUNCTION compliance.user_code_over_rows(regclass) FROM PUBLIC;

CREATE FUNCTION compliance.protect(tbl regclass, subject_column name, categories jsonb DEFAULT NULL,
        subject_kind text DEFAULT NULL, mode text DEFAULT 'enforce')
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_kind "char";
    v_key text;
    v_value jsonb;
    v_tree_rel regclass;
    v_user_code text;
    v_subject_kind text := subject_kind;
    v_ref record;
    v_ref_kinds text[];
    v_refs text;
BEGIN
    IF tbl IS NULL OR subject_column IS NULL THEN
        RAISE EXCEPTION 'table and subject column are required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call compliance.protect(''schema.table'', ''subject_id_column'').';
    END IF;
    PERFORM compliance.check_protection_mode(mode);
    IF mode = 'report' THEN
        -- as for unprotect(): only the table's owner may leave it unenforced
        PERFORM compliance.require_table_owner(tbl, 'report');
    END IF;
    SELECT c.relkind INTO v_kind FROM pg_class c WHERE c.oid = tbl;
    IF v_kind IS NULL THEN
        RAISE EXCEPTION 'relation with OID % does not exist', tbl::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    IF v_kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', tbl
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Only ordinary and partitioned tables can be protected; views and other relations read from them.',
                  HINT = 'Protect the tables the view or relation reads from.';
    END IF;
    IF EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = tbl) THEN
        RAISE EXCEPTION 'cannot protect "%" on its own', tbl
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'It is a partition or inheritance child; queries on its parent would read it unfiltered.',
                  HINT = format('Protect the parent table %s; its partitions and children are protected with it.',
                                (SELECT i.inhparent::regclass FROM pg_inherits i WHERE i.inhrelid = tbl LIMIT 1));
    END IF;
    IF (SELECT c.relnamespace FROM pg_class c WHERE c.oid = tbl)
       IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'compliance'::regnamespace) THEN
        RAISE EXCEPTION 'cannot protect "%"', tbl
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'System catalogs and the extension''s own tables hold no application personal data.',
                  HINT = 'Protect the application tables that hold personal data.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute a
                    WHERE a.attrelid = tbl AND a.attname = subject_column
                      AND a.attnum > 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of relation "%" does not exist', subject_column, tbl
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name the column that identifies the data subject, such as the patient or customer id.';
    END IF;
    -- a child of this table that is also a child of another protected one
    SELECT t.relid::regclass INTO v_tree_rel
      FROM (WITH RECURSIVE tree(relid) AS (
                SELECT tbl::oid
                UNION
                SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.relid)
            SELECT relid FROM tree) t
     WHERE cardinality(compliance.protected_ancestors(t.relid::regclass)) > 0
       AND t.relid <> tbl::oid
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'table "%" is already protected as a child of %', v_tree_rel,
                        array_to_string(compliance.protected_ancestors(v_tree_rel), ', ')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Protecting %s would protect it twice: its rows would belong to the subjects of both tables.', tbl),
                  HINT = 'Detach it (ALTER TABLE ... NO INHERIT) from one of them first.';
    END IF;
    IF EXISTS (SELECT FROM compliance.protected_tables p WHERE p.relid = tbl) THEN
        RAISE EXCEPTION 'table "%" is already protected', tbl
            USING ERRCODE = 'duplicate_object',
                  HINT = 'To change its subject column or categories, call compliance.unprotect() and then compliance.protect() again.';
    END IF;
    IF categories IS NOT NULL AND jsonb_typeof(categories) <> 'object' THEN
        RAISE EXCEPTION 'categories must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got a JSON %s.', jsonb_typeof(categories)),
                  HINT = 'Map column names to data categories, e.g. ''{"diagnosis": "health", "photo": "biometric"}''.';
    END IF;
    FOR v_key, v_value IN SELECT e.key, e.value FROM jsonb_each(coalesce(categories, '{}')) e LOOP
        IF NOT EXISTS (SELECT FROM pg_attribute a
                        WHERE a.attrelid = tbl AND a.attname = v_key
                          AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" of relation "%" does not exist', v_key, tbl
                USING ERRCODE = 'undefined_column',
                      HINT = 'The keys of categories must be columns of the protected table.';
        END IF;
        IF jsonb_typeof(v_value) <> 'string'
           OR NOT (v_value #>> '{}') = ANY (enum_range(NULL::compliance.data_category)::text[]) THEN
            RAISE EXCEPTION 'invalid data category % for column "%"', v_value, v_key
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Categories are those of Art. 1 of Law 99-Z.',
                      HINT = 'Use a label of compliance.data_category, such as "health" or "biometric".';
        END IF;
    END LOOP;

    -- ANALYZE (autovacuum's too), REINDEX, CLUSTER and VACUUM FULL run the
    -- table's index and statistics expressions and its columns' range type
    -- functions over every stored row, as its owner: only functions the
    -- owner cannot replace (utility.c, owner.c)
    SELECT t.relid::regclass, compliance.user_code_over_rows(t.relid::regclass)
      INTO v_tree_rel, v_user_code
      FROM (WITH RECURSIVE tree(relid) AS (
                SELECT tbl::oid
                UNION
                SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.relid)
            SELECT relid FROM tree) t
     WHERE compliance.user_code_over_rows(t.relid::regclass) IS NOT NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '% of table "%" would run code its owner could replace over every row', v_user_code, v_tree_rel
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'ANALYZE (autovacuum''s too), REINDEX, CLUSTER and VACUUM FULL run it over every stored row as the table''s owner, and writes and deletions, officers'' erasures included, over the rows they touch, blocked subjects'' rows included.',
                  HINT = 'Use built-in functions or functions of a superuser, or drop it; then protect the table.';
    END IF;
    -- a deferred trigger fires at commit, after an officer's statement, on
    -- the rows it erased, with the session's privileges then (utility.c
    -- refuses to create one on a protected table)
    SELECT t.tgrelid::regclass, t.tgname INTO v_tree_rel, v_user_code
      FROM pg_trigger t
     WHERE t.tgdeferrable
       AND t.tgrelid IN (WITH RECURSIVE tree(relid) AS (
                             SELECT tbl::oid
                             UNION
                             SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.relid)
                         SELECT relid FROM tree)
       AND t.tgconstraint <> 0
       AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.oid = t.tgconstraint AND c.contype = 'f')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'table "%" has a deferrable constraint trigger "%"', v_tree_rel, v_user_code
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A deferred trigger fires at commit, after the statement that queued it, an officer''s erasure too, with the privileges of the session then, and receives the rows erased.',
                  HINT = 'Create it again NOT DEFERRABLE, or drop it; then protect the table.';
    END IF;

    -- A subject column that references a protected table's subject column
    -- by foreign key (to it, or to one of its partitions or children) names
    -- the same people (an appointment's patient), so it takes that table's
    -- kind; else the default kind.  References to two kinds contradict
    -- each other: the kind must then be given, and agree with all of them.
    SELECT array_agg(DISTINCT p.subject_kind ORDER BY p.subject_kind),
           string_agg(DISTINCT format('%s.%I (%s)', p.relid, p.subject_column, p.subject_kind), ', ')
      INTO v_ref_kinds, v_refs
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
     CROSS JOIN LATERAL unnest(compliance.protected_ancestors(c.confrelid::regclass)) AS anc(relid)
      JOIN compliance.protected_tables p ON p.relid = anc.relid
     WHERE c.conrelid = tbl AND c.contype = 'f' AND cardinality(c.conkey) = 1
       AND a.attname = protect.subject_column AND fa.attname = p.subject_column;
    IF v_subject_kind IS NULL AND cardinality(v_ref_kinds) > 1 THEN
        RAISE EXCEPTION 'subject column "%" references subjects of more than one kind', subject_column
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Its foreign keys reference %s.', v_refs),
                  HINT = 'Drop the foreign keys that do not name the table''s subjects, or protect it by another column.';
    ELSIF v_subject_kind IS NULL THEN
        v_subject_kind := coalesce(v_ref_kinds[1], 'person');
    ELSIF v_ref_kinds IS NOT NULL AND v_ref_kinds <> ARRAY[v_subject_kind] THEN
        RAISE EXCEPTION 'subject column "%" names subjects of kind "%", not "%"', subject_column,
                        array_to_string(array_remove(v_ref_kinds, v_subject_kind), '", "'), v_subject_kind
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Its foreign keys reference %s.', v_refs),
                  HINT = 'Omit subject_kind, or protect the table by a column that identifies the other kind of subject.';
    END IF;
    PERFORM compliance.check_subject_kind(v_subject_kind);
    -- Tables protected earlier whose subject column references this one
    -- took the default kind; they name this table's subjects.
    FOR v_ref IN
        SELECT p.relid, p.subject_column, p.subject_kind
          FROM pg_constraint c
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = c.confkey[1]
          JOIN compliance.protected_tables p ON p.relid = c.conrelid
          JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = c.conkey[1]
         WHERE c.confrelid = tbl AND c.contype = 'f' AND cardinality(c.conkey) = 1
           AND a.attname = protect.subject_column AND ca.attname = p.subject_column
           AND p.subject_kind <> v_subject_kind
    LOOP
        RAISE WARNING 'protected table % holds subjects of kind "%", but its subject column references %', v_ref.relid, v_ref.subject_kind, tbl
            USING DETAIL = format('The foreign key says its column %I names the subjects of %s, of kind "%s".', v_ref.subject_column, tbl, v_subject_kind),
                  HINT = format('Protect it again with this kind: SELECT compliance.unprotect(%L); SELECT compliance.protect(%L, %L, subject_kind => %L);',
                                v_ref.relid, v_ref.relid, v_ref.subject_column, v_subject_kind);
    END LOOP;

    INSERT INTO compliance.protected_tables (relid, subject_column, subject_kind, mode)
    VALUES (tbl, subject_column, v_subject_kind, protect.mode);
    INSERT INTO compliance.protection_changes (relid, table_name, action, subject_column, subject_kind)
    VALUES (tbl, tbl::text, 'protect', subject_column, v_subject_kind);
    IF mode = 'report' THEN
        INSERT INTO compliance.protection_changes (relid, table_name, action, subject_column, subject_kind)
        VALUES (tbl, tbl::text, 'report', subject_column, v_subject_kind);
    END IF;
    INSERT INTO compliance.protected_columns (relid, column_name, category)
    SELECT tbl, e.key, (e.value #>> '{}')::compliance.data_category
      FROM jsonb_each(coalesce(categories, '{}')) e;
    PERFORM compliance.set_enforcement(tbl, true);

    -- Erasing or purging a subject's rows checks every foreign key into
    -- them: without an index on its columns each deletion is a scan of the
    -- whole referencing table (a purge of 50,000 subjects ran 25 minutes).
    FOR v_ref IN
        SELECT format('%s (%s)', c.conrelid::regclass,
                      (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
                         FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)) AS target,
               c.conname
          FROM pg_constraint c
         WHERE c.contype = 'f' AND c.confrelid = tbl AND c.conparentid = 0
           AND NOT EXISTS (SELECT FROM pg_index i
                            WHERE i.indrelid = c.conrelid
                              AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
                              AND cardinality(c.conkey) <= i.indnkeyatts)
         ORDER BY 1, 2
    LOOP
        RAISE WARNING 'no index on %, which refers to protected table %', v_ref.target, tbl
            USING DETAIL = format('Erasing or purging a subject''s rows checks foreign key %s; without an index on its columns each deletion scans the whole referencing table.', v_ref.conname),
                  HINT = format('CREATE INDEX ON %s;', v_ref.target);
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.protect(regclass, name, jsonb, text, text) IS
    'Protects a table holding personal data: subject_column identifies the data subject; categories maps columns to data categories (Art. 1, 8 of Law 99-Z), e.g. {"diagnosis":"health"}; subject_kind is the kind of subject the column identifies (NULL: the kind of the protected table it references by foreign key, else person); mode enforce (default) or report (compliance.set_protection_mode; only the table''s owner).';

CREATE FUNCTION compliance.require_table_owner(tbl regclass, action text DEFAULT 'unprotect') RETURNS void
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'require_table_owner';
COMMENT ON FUNCTION compliance.require_table_owner(regclass, text) IS
    'Internal: raises 42501 unless the role that called the SECURITY DEFINER function it is called from (the session''s role, after SET ROLE) owns the table, has its owner''s privileges, or is a superuser; action (unprotect, report, reset) words the error.';

CREATE FUNCTION compliance.unprotect(tbl regclass) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old compliance.protected_tables;
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'table is required'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Call compliance.unprotect(''schema.table'').';
    END IF;
    -- an administrator of the registry (EXECUTE) who owns the table: neither
    -- alone may switch enforcement off
    PERFORM compliance.require_table_owner(tbl);
    DELETE FROM compliance.protected_tables p WHERE p.relid = tbl RETURNING * INTO v_old;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table "%" is not protected', tbl
            USING ERRCODE = 'undefined_object',
                  HINT = 'See compliance.protected_tables for the protected tables.';
    END IF;
    INSERT INTO compliance.protection_changes (relid, table_name, action, subject_column, subject_kind)
    VALUES (tbl, tbl::text, 'unprotect', v_old.subject_column, v_old.subject_kind);
    PERFORM compliance.set_enforcement(tbl, false);
END
$$;
COMMENT ON FUNCTION compliance.unprotect(regclass) IS
    'Removes protection from a table: its rows are no longer checked against purposes, consent and blocks. Only a compliance_admin who owns the table (or has its owner''s privileges), or a superuser, may; the change is recorded in compliance.protection_changes.';

-- Keeps the registry consistent with DDL: a dropped protected table leaves
-- the registry, and the subject column of a protected table cannot be dropped.
CREATE FUNCTION compliance.on_sql_drop() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    obj record;
BEGIN
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
        IF obj.object_type = 'table' THEN
            DELETE FROM compliance.protected_tables WHERE relid::oid = obj.objid;

        ELSIF obj.object_type = 'table column' THEN
            IF EXISTS (SELECT FROM compliance.protected_tables p
                        WHERE p.relid::oid = obj.objid
                          AND p.subject_column = obj.address_names[3]) THEN
                RAISE EXCEPTION 'cannot drop the subject column of protected table %', obj.objid::regclass
                    USING ERRCODE = 'dependent_objects_still_exist',
                          HINT = 'Call compliance.unprotect() on the table first.';
            END IF;
            DELETE FROM compliance.protected_columns
             WHERE relid::oid = obj.objid AND column_name = obj.address_names[3];
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION compliance.on_sql_drop() IS
    'Event trigger: forgets dropped protected tables and columns, and refuses to drop a protected table''s subject column.';
CREATE EVENT TRIGGER compliance_sql_drop ON sql_drop EXECUTE FUNCTION compliance.on_sql_drop();
