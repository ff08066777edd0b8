// The fallback's page checks (sources/supabase/page-checks.ts) on the cases the CLI tests do not reach:
// PostgreSQL's microsecond timestamps and offsets, uuid and text ids, rows without a position.
import { describe, expect, it } from 'vitest';
import { compareIds, instantOf, type PageBounds, pageProblem } from '../sources/supabase/page-checks.js';

const bounds = (over: Partial<PageBounds> = {}): PageBounds => ({
  from: new Date('2025-11-20T00:00:00Z'),
  to: new Date('2025-11-20T12:00:00Z'),
  services: null,
  pageSize: 1000,
  cursor: null,
  ...over,
});

describe('instantOf', () => {
  it('keeps the microseconds Date.parse drops, across offsets', () => {
    expect(instantOf('2025-11-20T09:30:00.123456+00:00')).toEqual({ ms: Date.UTC(2025, 10, 20, 9, 30, 0, 123), micro: 456 });
    expect(instantOf('2025-11-20T15:00:00.5+05:30')).toEqual({ ms: Date.UTC(2025, 10, 20, 9, 30, 0, 500), micro: 0 });
    expect(instantOf('2025-11-20T09:30:00Z')).toEqual({ ms: Date.UTC(2025, 10, 20, 9, 30), micro: 0 });
    expect(instantOf('Thu, 20 Nov 2025 09:30:00 GMT')).toEqual({ ms: Date.UTC(2025, 10, 20, 9, 30), micro: 0 });
    expect(instantOf('infinity')).toBeNull();
  });
});

describe('compareIds', () => {
  it('orders numbers and uuids as PostgreSQL does; text ids only by equality', () => {
    expect(compareIds(9, 10)).toBe(-1);
    expect(compareIds('0A000000-0000-4000-8000-000000000000', '09000000-0000-4000-8000-000000000000')).toBe(1);
    expect(compareIds('b', 'a')).toBeNull();
    expect(compareIds('a', 'a')).toBe(0);
  });
});

describe('pageProblem', () => {
  const row = (id: string | number, created_at: string, source = 'billing') => ({ id, created_at, source });

  it('accepts rows one microsecond apart, and equal instants in id order after the cursor', () => {
    const at = '2025-11-20T09:30:00.123456+00:00';
    const rows = [row(5, at), row(6, at), row(1, '2025-11-20T09:30:00.123457+00:00')];
    expect(pageProblem(rows, bounds({ cursor: { id: 4, created_at: at } }))).toBeNull();
  });

  it('refuses a microsecond step backwards, which Date.parse cannot see', () => {
    const rows = [row(1, '2025-11-20T09:30:00.123457+00:00'), row(2, '2025-11-20T09:30:00.123456+00:00')];
    expect(pageProblem(rows, bounds())).toBe('rows out of (created_at, id) order');
  });

  it('refuses the slice end itself (exclusive) and a row before the start', () => {
    expect(pageProblem([row(1, '2025-11-20T12:00:00+00:00')], bounds())).toMatch(/outside the requested created_at range/);
    expect(pageProblem([row(1, '2025-11-19T23:59:59.999999+00:00')], bounds())).toMatch(/outside the requested created_at range/);
  });

  it('refuses a first row equal to the cursor, and more rows than the page size', () => {
    const at = '2025-11-20T09:30:00+00:00';
    expect(pageProblem([row(4, at)], bounds({ cursor: { id: 4, created_at: at } }))).toMatch(/did not advance/);
    expect(pageProblem([row(1, at), row(2, at)], bounds({ pageSize: 1 }))).toBe(
      'a page of more than 1 rows (the server ignored the limit)',
    );
  });

  it('skips rows without a position (counted elsewhere), unless the page ends with one', () => {
    const at = '2025-11-20T09:30:00+00:00';
    expect(pageProblem([{ id: null }, row(1, at)], bounds())).toBeNull();
    expect(pageProblem([row(1, at), { id: 2, created_at: 'soon' }], bounds())).toBe(
      'a page ended with a row lacking a readable id or created_at',
    );
  });
});
