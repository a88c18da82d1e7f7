/** Parses a JSON text column (Nova keeps JSON as text); text that is not JSON is returned as is. */
export function jsonText(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
