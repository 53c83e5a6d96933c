/**
 * The error a promise rejects with, for asserting on its class and fields (jest's `rejects` checks
 * only one matcher at a time). A promise that resolves fails the test.
 */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
