/** Turns on the run-wide real cluster when jest runs files side by side (tests/real/support/turns.ts). */
import { mayProceed, type TurnState } from '../../real/support/turns';

const state = (s: Partial<TurnState>): TurnState => ({ inFlight: [], waitingExclusive: [], waitingShared: [], ...s });

test('alone in flight (one worker): a file goes on at once, changing the cluster or not', () => {
  expect(mayProceed(state({ inFlight: ['/a'], waitingShared: ['/a'] }), '/a', false)).toBe(true);
  expect(mayProceed(state({ inFlight: ['/a'], waitingExclusive: ['/a'] }), '/a', true)).toBe(true);
});

test('a changing file waits while another file runs on the cluster, and goes once that one waits or ended', () => {
  const s = state({ inFlight: ['/x', '/s'], waitingExclusive: ['/x'] });
  expect(mayProceed(s, '/x', true)).toBe(false);
  expect(mayProceed({ ...s, waitingShared: ['/s'] }, '/x', true)).toBe(true);
  expect(mayProceed(state({ inFlight: ['/x'], waitingExclusive: ['/x'] }), '/x', true)).toBe(true);
});

test('a using file waits while a changing file waits or holds the cluster', () => {
  expect(mayProceed(state({ inFlight: ['/x', '/s'], waitingExclusive: ['/x'], waitingShared: ['/s'] }), '/s', false)).toBe(false);
  expect(mayProceed(state({ inFlight: ['/x', '/s'], waitingShared: ['/s'], holder: '/x' }), '/s', false)).toBe(false);
  expect(mayProceed(state({ inFlight: ['/s'], waitingShared: ['/s'] }), '/s', false)).toBe(true);
});

test('two changing files: the first by path goes, the other waits until the holder is gone', () => {
  const both = state({ inFlight: ['/b', '/a'], waitingExclusive: ['/b', '/a'] });
  expect(mayProceed(both, '/a', true)).toBe(true);
  expect(mayProceed(both, '/b', true)).toBe(false);
  expect(mayProceed(state({ inFlight: ['/b', '/a'], waitingExclusive: ['/b'], holder: '/a' }), '/b', true)).toBe(false);
  expect(mayProceed(state({ inFlight: ['/b'], waitingExclusive: ['/b'] }), '/b', true)).toBe(true);
});
