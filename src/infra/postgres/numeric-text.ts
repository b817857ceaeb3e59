/** `12.5000000000` → `12.5`, `100.0000000000` → `100`: numeric columns pad their text to the column's scale. */
export function trimDecimal(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
