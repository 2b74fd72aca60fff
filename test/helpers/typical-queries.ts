/** Typical frontend queries for the benchmark. */
export const QUERIES: { name: string; query: string }[] = [
  {
    name: 'client list page',
    query: `{ clients(first: 25, orderBy: [{ field: name }]) { totalCount nodes { name orgNo phone accountManagers { name } categories { name } } } }`,
  },
  {
    name: 'client detail page',
    query: `{ client(upsalesId: 7) {
      name orgNo addresses { city } accountManagers { name email }
      contacts(first: 20) { totalCount nodes { name email title } }
      orders(first: 10) { nodes { description date value rows { quantity price product { name } } } }
      opportunities(first: 10) { nodes { description probability stage { name } user { name } } }
      activities(first: 10) { nodes { description date activityType { name } users { name } contacts { name } } }
      appointments(first: 10) { nodes { description date location users { name } } }
      customFields { raw datatype alias }
    } }`,
  },
  {
    name: '50 clients > contacts > orders > rows > products',
    query: `{ clients(first: 50) { nodes { name contacts(first: 4) { nodes { name orders(first: 10) {
      nodes { description value rows { quantity product { name category { name } } } } } } } } } }`,
  },
  {
    name: '50 clients > 50 contacts > 50 orders > rows > products (issue 10)',
    query: `{ clients(first: 50) { nodes { contacts(first: 50) { nodes { orders(first: 50) { nodes { rows { product { name } } } } } } } } }`,
  },
  {
    name: 'pipeline board',
    query: `{ opportunities(first: 100, filter: { probability: { gte: 25 } }, orderBy: [{ field: probability, direction: DESC }]) {
      totalCount nodes { description value weightedValue probability stage { name } client { name } user { name } contact { name } } } }`,
  },
  {
    name: 'activity feed',
    query: `{ activities(first: 50, orderBy: [{ field: date, direction: DESC }]) {
      nodes { description date activityType { name } client { name } contacts { name } users { name } project { name } } } }`,
  },
  {
    name: 'settings (metadata)',
    query: `{ orderStages { name probability } productCategories { name children { name } } roles { name rights { kind access } }
      currencies { iso rate } customFieldDefinitions(kind: "client") { name alias datatype options } }`,
  },
];
