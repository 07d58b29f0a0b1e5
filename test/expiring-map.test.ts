// The one bounded, expiring memory every per-isolate cache uses, at a controlled clock.
import { describe, expect, it } from "vitest";
import { ExpiringMap, FOREVER } from "../shared/expiring-map.ts";

const NOW = 1_800_000_000_000;

describe("ExpiringMap", () => {
  it("answers an entry until its instant, then forgets it", () => {
    const map = new ExpiringMap<string, number>(10);
    map.set("a", 1, NOW + 1_000);
    expect(map.get("a", NOW)).toBe(1);
    expect(map.get("a", NOW + 999)).toBe(1);
    expect(map.get("a", NOW + 1_000)).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it("a lapsed entry is not answered even when the clock goes back after it was dropped", () => {
    const map = new ExpiringMap<string, number>(10);
    map.set("a", 1, NOW);
    expect(map.get("a", NOW)).toBeUndefined();
    expect(map.get("a", NOW - 1)).toBeUndefined();
  });

  it("FOREVER entries never lapse", () => {
    const map = new ExpiringMap<string, boolean>(10);
    map.set("a", true, FOREVER);
    expect(map.get("a", Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it("holds at most max entries, dropping the least recently set", () => {
    const map = new ExpiringMap<number, number>(3);
    for (let i = 0; i < 3; i++) map.set(i, i, FOREVER);
    map.set(0, 0, FOREVER); // set again: now the most recent
    map.set(3, 3, FOREVER);
    expect(map.size).toBe(3);
    expect(map.get(1, NOW)).toBeUndefined();
    expect([0, 2, 3].map((k) => map.get(k, NOW))).toEqual([0, 2, 3]);
  });

  it("setting a key it holds at the cap replaces it without dropping another", () => {
    const map = new ExpiringMap<string, number>(2);
    map.set("a", 1, FOREVER);
    map.set("b", 2, FOREVER);
    map.set("b", 3, FOREVER);
    expect([map.get("a", NOW), map.get("b", NOW)]).toEqual([1, 3]);
  });

  it("delete forgets at once", () => {
    const map = new ExpiringMap<string, number>(2);
    map.set("a", 1, FOREVER);
    map.delete("a");
    expect(map.get("a", NOW)).toBeUndefined();
    expect(map.size).toBe(0);
  });
});
