/** The page sizes the select offers; a size from the address (up to the API's 1000) is offered too. */
const SIZES = [10, 25, 50, 100];

/** The "Per page" select of the listing pages: it always shows the size in use. */
export function PageSizeSelect({ size, onChange }: { size: number; onChange: (size: number) => void }) {
  const sizes =
    SIZES.includes(size) || !Number.isInteger(size) || size < 1 ? SIZES : [...SIZES, size].sort((a, b) => a - b);
  return (
    <div>
      <label htmlFor="filter-size">Per page</label>
      <select id="filter-size" value={size} onChange={(e) => onChange(Number(e.target.value))}>
        {sizes.map((n) => (
          <option key={n}>{n}</option>
        ))}
      </select>
    </div>
  );
}
