/**
 * A set of record ids that stays small when it holds a whole listing (delete detection
 * needs every id a complete listing returned; later phases need the ids a run processed).
 * Ids that are small decimal integers — WooCommerce ids, PowerOffice customer and product
 * ids — are kept as numbers in a `Set<number>` (V8 stores them inline: about 4× less than a
 * string each); any other id (a uuid) as its string.
 */
const INTEGER = /^(0|[1-9]\d{0,14})$/;

export class IdSet {
  private readonly numbers = new Set<number>();
  private readonly strings = new Set<string>();

  constructor(ids?: Iterable<string>) {
    if (ids) for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.numbers.size + this.strings.size;
  }

  add(id: string): this {
    if (INTEGER.test(id)) this.numbers.add(Number(id));
    else this.strings.add(id);
    return this;
  }

  has(id: string): boolean {
    return INTEGER.test(id) ? this.numbers.has(Number(id)) : this.strings.has(id);
  }

  delete(id: string): boolean {
    return INTEGER.test(id) ? this.numbers.delete(Number(id)) : this.strings.delete(id);
  }
}
