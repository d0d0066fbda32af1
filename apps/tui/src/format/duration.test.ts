import { describe, expect, it } from 'vitest';
import { createdSince, humanDuration } from './duration.js';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
const week = 7 * day;
const month = 30 * day;
const year = 365 * day;

describe('humanDuration (go-units HumanDuration, its own test table)', () => {
  it.each([
    [450, 'Less than a second'],
    [1 * second, '1 second'],
    [45 * second, '45 seconds'],
    [59 * second, '59 seconds'],
    [60 * second, 'About a minute'],
    [3 * minute, '3 minutes'],
    [35 * minute + 40 * second, '35 minutes'],
    [59 * minute, '59 minutes'],
    [1 * hour, 'About an hour'],
    [1 * hour + 29 * minute, 'About an hour'],
    [1 * hour + 31 * minute, '2 hours'],
    [3 * hour + 29 * minute, '3 hours'],
    [3 * hour + 31 * minute, '4 hours'],
    [24 * hour, '24 hours'],
    [1 * day + 12 * hour, '36 hours'],
    [2 * day, '2 days'],
    [13 * day + 5 * hour, '13 days'],
    [2 * week + 4 * day, '2 weeks'],
    [4 * week + 3 * day, '4 weeks'],
    [1 * month, '4 weeks'],
    [1 * month + 2 * week, '6 weeks'],
    [2 * month, '2 months'],
    [5 * month + 2 * week, '5 months'],
    [24 * month, '24 months'],
    [24 * month + 2 * week, '2 years'],
    [3 * year + 2 * month, '3 years'],
  ])('%i ms -> %s', (ms, words) => {
    expect(humanDuration(ms)).toBe(words);
  });

  it('says "Less than a second" for times in the future (clock skew)', () => {
    expect(humanDuration(-5 * minute)).toBe('Less than a second');
  });
});

describe('createdSince', () => {
  it('words the age of a unix timestamp with "ago"', () => {
    const created = 1795356460;
    expect(createdSince(created, created * 1000 + 4 * minute + 19 * second)).toBe('4 minutes ago');
    expect(createdSince(created, created * 1000 + 61 * second)).toBe('About a minute ago');
  });
});
