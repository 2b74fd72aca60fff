/** Date and time scalars, as Upsales sends them. */
import { builder } from './builder.js';
import { BadUserInputError } from '../src/request/errors.js';
import { preview } from '../src/request/input-text.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function checked(name: string, test: (value: string) => boolean, hint: string) {
  return (value: unknown): string => {
    if (typeof value !== 'string' || !test(value)) {
      throw new BadUserInputError(`${name} must be ${hint}, got ${preview(value)}`);
    }
    return value;
  };
}

const isDate = (value: string) => DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
const isDateTime = (value: string) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value);

builder.scalarType('Date', {
  description: 'A calendar date, `YYYY-MM-DD`.',
  serialize: (value) => String(value),
  parseValue: checked('Date', isDate, 'a date YYYY-MM-DD'),
});
builder.scalarType('DateTime', {
  description: 'A point in time, ISO 8601 (`2026-11-28T14:00:00.000Z`).',
  serialize: (value) => String(value),
  parseValue: (value) => new Date(checked('DateTime', isDateTime, 'an ISO 8601 date-time')(value)).toISOString(),
});
builder.scalarType('Time', {
  description: 'A time of day, `HH:MM`.',
  serialize: (value) => String(value),
  parseValue: checked('Time', (value) => TIME.test(value), 'a time HH:MM'),
});
