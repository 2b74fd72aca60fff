/**
 * The rules every string a caller sends obeys, wherever it arrives (GraphQL
 * arguments through app/plugins/use-input-guard.ts, write inputs, import rows):
 * which characters can be sent to Upsales, how long a value may be, what
 * counts as empty, and how a bad value is shown back (never whole).
 */

/**
 * Upsales' length caps, in characters (code points): `string` fields (and
 * String custom fields) hold 255, `text` fields (and Text custom fields)
 * 100 000.
 */
export const MAX_LENGTH = { string: 255, text: 100_000 } as const;

/**
 * Cap of a string in an argument that is not a write item: filter values,
 * ids, cursors, aliases. The same as a string field's, so a value that could
 * be stored can be searched for; nothing legitimate in these arguments is
 * longer, and a longer one is refused rather than sent upstream.
 */
export const MAX_ARGUMENT_LENGTH = MAX_LENGTH.string;

/** How deep a JSON value (an import row, a JSON argument) may nest. */
export const MAX_JSON_DEPTH = 32;

/**
 * Extension of an argument whose value is items (a write's `input`/`inputs`
 * and their ids, an import's `rows`): the code that answers per item checks
 * each one with these same rules and fails that item alone, so the input
 * guard leaves the argument to it.
 */
export const CHECKED_PER_ITEM = { checkedPerItem: true } as const;

/** Whether an argument's extensions carry {@link CHECKED_PER_ITEM}. */
export const isCheckedPerItem = (extensions: Readonly<Record<string, unknown>> | null | undefined): boolean =>
  extensions?.checkedPerItem === true;

/** Supplementary noncharacters U+1FFFE, U+1FFFF ... U+10FFFE, U+10FFFF. */
const PLANE_NONCHARACTERS = Array.from({ length: 16 }, (_, i) => `\\u{${(i + 1).toString(16)}FFFE}\\u{${(i + 1).toString(16)}FFFF}`).join('');

/**
 * Characters refused in any input: C0 controls but tab, LF and CR (XML 1.0
 * cannot carry them); DEL and the C1 controls U+0080-U+009F (XML 1.0 allows
 * but discourages them, XML 1.1 rewrites U+0085 as a line end, and in CRM
 * text they come from text decoded with the wrong charset); lone surrogates
 * (no character at all; with the `u` flag a proper pair is one code point
 * and does not match); and the Unicode noncharacters U+FDD0-U+FDEF and
 * U+xFFFE/U+xFFFF of every plane.
 */
const REFUSED = new RegExp(`[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF\\uFDD0-\\uFDEF\\uFFFE\\uFFFF${PLANE_NONCHARACTERS}]`, 'u');

const hex = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

function kindOf(codePoint: number): string {
  if (codePoint < 0xa0) return 'a control character';
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 'a lone surrogate';
  return 'a Unicode noncharacter';
}

/** The first character of `text` that cannot be sent, described (`U+0007 (a control character)`), or null. */
export function refusedCharacter(text: string): string | null {
  const match = REFUSED.exec(text);
  if (!match) return null;
  const codePoint = match[0].codePointAt(0)!;
  return `${hex(codePoint)} (${kindOf(codePoint)})`;
}

/** Whether `text` has more than `max` characters (code points), without spreading a long string. */
export function isLongerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  if (text.length > 2 * max) return true;
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/** Empty, or only white space: no value for a required field. */
export const isEmptyText = (text: string): boolean => text.trim() === '';

/**
 * Why `text` cannot be sent, to follow its name (`is longer than 255
 * characters`, `has U+0000 (a control character), which cannot be sent to
 * Upsales`), or null. `max` omitted: no length cap.
 */
export function textProblem(text: string, max?: number): string | null {
  if (max !== undefined && isLongerThan(text, max)) return `is longer than ${max} characters`;
  const refused = refusedCharacter(text);
  return refused ? `has ${refused}, which cannot be sent to Upsales` : null;
}

function keyProblem(key: string, max?: number): string | null {
  if (max !== undefined && isLongerThan(key, max)) return `has a key longer than ${max} characters`;
  const refused = refusedCharacter(key);
  return refused ? `has a key with ${refused}, which cannot be sent to Upsales` : null;
}

const isPlainObject = (value: object) => [Object.prototype, null].includes(Object.getPrototypeOf(value));

/** Where in a value a problem was found (`[2, "name"]`), and what. */
export interface ValueProblem { path: (string | number)[]; problem: string }

/**
 * The first string problem in a JSON-like value (object keys too), nested at
 * most {@link MAX_JSON_DEPTH} deep; `max` caps each string. Only arrays and
 * plain objects are walked (not an uploaded File).
 */
export function valueProblem(value: unknown, max?: number, depth = 0): ValueProblem | null {
  if (typeof value === 'string') {
    const problem = textProblem(value, max);
    return problem ? { path: [], problem } : null;
  }
  if (value === null || typeof value !== 'object' || !(Array.isArray(value) || isPlainObject(value))) return null;
  if (depth >= MAX_JSON_DEPTH) return { path: [], problem: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, element] of entries) {
    const bad = typeof key === 'string' ? keyProblem(key, max) : null;
    if (bad) return { path: [], problem: bad };
    const found = valueProblem(element, max, depth + 1);
    if (found) return { path: [key, ...found.path], problem: found.problem };
  }
  return null;
}

/** A path of keys and indexes as text: `inputs[3].name`. */
export const formatPath = (path: readonly (string | number)[]): string =>
  path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${key}` : key), '');

const PREVIEW_LENGTH = 40;

const escaped = (c: string) => (REFUSED.test(c) ? `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}` : c);

/**
 * A value for an error message, never the whole of a long one: text quoted,
 * cut after 40 characters, refused characters escaped (`"bell\u{7}"`); other
 * values as JSON, cut the same way.
 */
export function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const characters = [...text.slice(0, PREVIEW_LENGTH * 2)].slice(0, PREVIEW_LENGTH + 1);
  const shown = characters.slice(0, PREVIEW_LENGTH).map(escaped).join('') + (characters.length > PREVIEW_LENGTH ? '…' : '');
  return typeof value === 'string' ? `"${shown}"` : shown;
}

/** Longest error message the gateway sends, on any route. */
export const MAX_ERROR_MESSAGE = 300;

/**
 * An error message no longer than {@link MAX_ERROR_MESSAGE}: quoted values in
 * it are cut to a preview first, so that the message's own words survive.
 */
export function shortMessage(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE) return message;
  const cut = message.replace(/"((?:[^"\\]|\\.){41,})"/g, (_all, quoted: string) => preview(quoted));
  return cut.length <= MAX_ERROR_MESSAGE ? cut : `${cut.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
}
