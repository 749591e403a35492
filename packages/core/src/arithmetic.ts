/** Integer helpers, exact for non-negative safe integers (internal to core). */

/** `ceil(a / b)` for integers a >= 0, b > 0, without floating-point rounding. */
export function ceilDiv(a: number, b: number): number {
  const q = floorDiv(a, b);
  return q * b < a ? q + 1 : q;
}

/** `floor(a / b)` for integers a >= 0, b > 0, without floating-point rounding. */
export function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}
