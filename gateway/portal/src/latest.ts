// Reads started by a choice (a class, a chapter, a category) can answer out of order: only
// the answer to the newest choice is applied; an older one arriving late is dropped.
export function latestOnly(): <T>(read: () => Promise<T>, apply: (value: T) => void) => Promise<void> {
  let newest = 0
  return async (read, apply) => {
    const mine = ++newest
    const value = await read()
    if (mine === newest) apply(value)
  }
}
