/**
 * A YAML reader for the small subset configuration files of this
 * repository use (deploy/compose.yaml): block mappings by indentation,
 * block sequences of scalars, JSON-style flow sequences, plain, single- and
 * double-quoted scalars, empty values, and comments. Anything else (anchors,
 * aliases, merge keys, block scalars, flow mappings, tabs) is refused with
 * its line number, so the file cannot quietly mean something else.
 */
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

interface Line { indent: number; text: string; number: number }

/** The line without its comment (a `#` at its start or after a space, outside quotes). */
function uncomment(raw: string): string {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === quote && raw[i - 1] !== '\\') quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || raw[i - 1] === ' ')) return raw.slice(0, i);
  }
  return raw;
}

function scalar(text: string, number: number): YamlValue {
  const value = text.trim();
  if (value === '' || value === '~' || value === 'null') return null;
  if (/^[&*!|>{]|^<</.test(value)) throw new Error(`line ${number}: "${value}" is YAML this reader does not support`);
  if (value.startsWith('"') || value.startsWith('[')) {
    try {
      return JSON.parse(value) as YamlValue;
    } catch {
      throw new Error(`line ${number}: ${value} is not a JSON-style string or list`);
    }
  }
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) throw new Error(`line ${number}: unterminated quote`);
    return value.slice(1, -1).replaceAll("''", "'");
  }
  return value;
}

function block(lines: Line[], at: number, indent: number): [YamlValue, number] {
  if (lines[at].text.startsWith('- ') || lines[at].text === '-') {
    const list: YamlValue[] = [];
    while (at < lines.length && lines[at].indent === indent && (lines[at].text.startsWith('- ') || lines[at].text === '-')) {
      const item = lines[at].text.slice(1).trim();
      if (/^[^"'[]*:(\s|$)/.test(item)) throw new Error(`line ${lines[at].number}: mappings in a sequence are not supported`);
      list.push(scalar(item, lines[at].number));
      at++;
    }
    return [list, at];
  }
  const map: { [key: string]: YamlValue } = {};
  while (at < lines.length && lines[at].indent === indent) {
    const { text, number } = lines[at];
    const colon = /^([^"'#:][^:]*|"[^"]*"|'[^']*'):(\s+|$)/.exec(text);
    if (!colon) throw new Error(`line ${number}: expected "key: value", got "${text}"`);
    const key = String(scalar(colon[1], number));
    if (key in map) throw new Error(`line ${number}: "${key}" appears twice`);
    const rest = text.slice(colon[0].length);
    at++;
    if (rest.trim() !== '') map[key] = scalar(rest, number);
    else if (at < lines.length && lines[at].indent > indent) [map[key], at] = block(lines, at, lines[at].indent);
    else if (at < lines.length && lines[at].indent === indent && lines[at].text.startsWith('- ')) [map[key], at] = block(lines, at, indent);
    else map[key] = null;
  }
  if (at < lines.length && lines[at].indent > indent) throw new Error(`line ${lines[at].number}: unexpected indentation`);
  return [map, at];
}

export function parseYaml(source: string): YamlValue {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tabs are not allowed in YAML indentation`);
    const text = uncomment(raw).trimEnd();
    if (text.trim() === '' || text.trim() === '---') return;
    lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), number: i + 1 });
  });
  if (lines.length === 0) return null;
  const [value, end] = block(lines, 0, lines[0].indent);
  if (end < lines.length) throw new Error(`line ${lines[end].number}: unexpected indentation`);
  return value;
}
