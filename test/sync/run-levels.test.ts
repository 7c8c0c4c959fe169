/**
 * Mappings that do not depend on each other run side by side; a mapping waits for every
 * mapping it `$link`s to and for its fan-out parent.
 */
import { describe, expect, it } from 'vitest';
import { runLevels, runOrder } from '../../engine/sync/order.ts';
import { customerMapping, orderMappings, productMapping } from './helpers/setup.ts';

describe('runLevels', () => {
  it('puts customers and products together, then orders, then their lines', () => {
    const [order, lines] = orderMappings();
    const selected = runOrder([lines!, order!, productMapping(), customerMapping()]);
    const levels = runLevels(selected).map((level) => level.map((m) => m.name).sort());
    expect(levels).toEqual([['customer', 'product'], ['salesorder'], ['salesorderline']]);
  });

  it('runs a selection without its dependencies at the first level', () => {
    const [order, lines] = orderMappings();
    expect(runLevels(runOrder([order!])).map((l) => l.map((m) => m.name))).toEqual([['salesorder']]);
    expect(runLevels(runOrder([lines!])).map((l) => l.map((m) => m.name))).toEqual([['salesorderline']]);
  });
});
