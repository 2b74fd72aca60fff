/** Word lists for believable Nordic demo data. */

export const FIRST_NAMES = [
  'Anna', 'Erik', 'Maria', 'Lars', 'Karin', 'Anders', 'Eva', 'Johan', 'Sofia', 'Per', 'Elin', 'Mikael', 'Ingrid', 'Nils',
  'Astrid', 'Oskar', 'Linnea', 'Gustav', 'Maja', 'Henrik', 'Frida', 'Magnus', 'Ebba', 'Fredrik', 'Sara', 'Jonas', 'Klara',
  'Björn', 'Sigrid', 'Mattias', 'Hanna', 'Ola', 'Kari', 'Ingvild', 'Mikko', 'Aino', 'Juha', 'Sanna', 'Mette', 'Søren',
  'Freja', 'Rasmus', 'Åsa', 'Göran', 'Märta', 'Jörgen', 'Siv', 'Tove',
] as const;

export const LAST_NAMES = [
  'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson', 'Gustafsson',
  'Pettersson', 'Jonsson', 'Lindberg', 'Lindqvist', 'Berglund', 'Lundgren', 'Holm', 'Sjöberg', 'Åberg', 'Öberg', 'Hansen',
  'Johansen', 'Olsen', 'Berg', 'Haugen', 'Virtanen', 'Korhonen', 'Mäkinen', 'Nieminen', 'Jensen', 'Nielsen', 'Sørensen',
  'Bäckström', 'Ekström', 'Wallin', 'Forsberg', 'Sandberg', 'Håkansson', 'Dahl', 'Strand',
] as const;

export const COMPANY_FIRST = [
  'Nordic', 'Svea', 'Göta', 'Fjäll', 'Vasa', 'Norrsken', 'Skärgårds', 'Björk', 'Ek', 'Granit', 'Kust', 'Polar', 'Midsommar',
  'Vik', 'Älv', 'Ljung', 'Sjö', 'Falu', 'Öresund', 'Mälar', 'Botnia', 'Fyr', 'Tall', 'Runö', 'Lapp', 'Viking', 'Saga',
] as const;

export const COMPANY_SECOND = [
  'Bygg', 'Konsult', 'Data', 'Logistik', 'Teknik', 'Trä', 'Energi', 'Media', 'Design', 'Fastigheter', 'Mekaniska', 'Livs',
  'Transport', 'Systems', 'Solutions', 'Invest', 'Gruppen', 'Verkstad', 'Partner', 'Analys', 'Kraft', 'Handel',
] as const;

export type CountryCode = 'SE' | 'NO' | 'FI' | 'DK';

export const CITIES: readonly { city: string; countryCode: CountryCode; area: string }[] = [
  { city: 'Stockholm', countryCode: 'SE', area: '8' }, { city: 'Göteborg', countryCode: 'SE', area: '31' },
  { city: 'Malmö', countryCode: 'SE', area: '40' }, { city: 'Uppsala', countryCode: 'SE', area: '18' },
  { city: 'Västerås', countryCode: 'SE', area: '21' }, { city: 'Örebro', countryCode: 'SE', area: '19' },
  { city: 'Linköping', countryCode: 'SE', area: '13' }, { city: 'Umeå', countryCode: 'SE', area: '90' },
  { city: 'Jönköping', countryCode: 'SE', area: '36' }, { city: 'Luleå', countryCode: 'SE', area: '920' },
  { city: 'Oslo', countryCode: 'NO', area: '2' }, { city: 'Bergen', countryCode: 'NO', area: '5' },
  { city: 'Trondheim', countryCode: 'NO', area: '7' }, { city: 'Helsinki', countryCode: 'FI', area: '9' },
  { city: 'Tampere', countryCode: 'FI', area: '3' }, { city: 'Turku', countryCode: 'FI', area: '2' },
  { city: 'Köpenhamn', countryCode: 'DK', area: '3' }, { city: 'Aarhus', countryCode: 'DK', area: '8' },
];

export const COUNTRY: Record<CountryCode, { name: string; dial: string; legal: string; tld: string }> = {
  SE: { name: 'Sverige', dial: '+46', legal: 'AB', tld: 'se' },
  NO: { name: 'Norge', dial: '+47', legal: 'AS', tld: 'no' },
  FI: { name: 'Suomi', dial: '+358', legal: 'Oy', tld: 'fi' },
  DK: { name: 'Danmark', dial: '+45', legal: 'A/S', tld: 'dk' },
};

export const STREETS = ['Storgatan', 'Drottninggatan', 'Kungsgatan', 'Sveavägen', 'Industrivägen', 'Hamngatan', 'Karl Johans gate', 'Mannerheimintie', 'Strøget', 'Järnvägsgatan', 'Skolgatan', 'Åsögatan'] as const;

export const TITLES = ['VD', 'CFO', 'Inköpschef', 'Marknadschef', 'IT-chef', 'Säljchef', 'Ekonomiansvarig', 'Projektledare', 'HR-chef', 'Driftchef', 'Daglig leder', 'Toimitusjohtaja'] as const;

export const PRODUCT_WORDS = ['CRM-licens', 'Supportavtal', 'Utbildningsdag', 'Konsulttimme', 'Integrationspaket', 'Servermodul', 'Analysverktyg', 'Startpaket', 'Molnlagring', 'Användarlicens', 'Mobilapp', 'Rapportmodul'] as const;
export const PRODUCT_TIERS = ['Bas', 'Plus', 'Pro', 'Premium', 'Enterprise'] as const;

export const PROJECT_NAMES = ['Vårkampanj', 'Höstkampanj', 'Mässa Elmia', 'Nyhetsbrev', 'Partnerdag', 'Kundevent Göteborg', 'Webbinarieserie', 'Julkampanj', 'Lansering Norge', 'Finlandssatsning', 'Återvinning av kunder', 'Almedalen'] as const;

export const ACTIVITY_TEXTS = ['Ring och följ upp offert', 'Skicka prislista', 'Boka demo', 'Påminn om avtalsförnyelse', 'Följ upp efter mässan', 'Skicka referenscase', 'Kontrollera leveransdatum', 'Tacka för ordern'] as const;
export const APPOINTMENT_TEXTS = ['Behovsanalys', 'Produktdemo', 'Avtalsgenomgång', 'Lunchmöte', 'Uppstartsmöte', 'Kvartalsgenomgång', 'Workshop', 'Leverantörsmöte'] as const;
export const LEAD_SOURCES = ['Webbplats', 'Mässa', 'Rekommendation', 'LinkedIn', 'Kall bearbetning', 'Webbinarium'] as const;
