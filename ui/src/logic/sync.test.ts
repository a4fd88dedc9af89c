import { describe, expect, it } from "vitest";
import type { SyncStatus } from "../bindings/SyncStatus";
import { bucketCheckText, syncSummary } from "./sync";

const target = {
  endpoint: "http://127.0.0.1:9000",
  region: "us-east-1",
  bucket: "district-7",
  prefix: "",
  pathStyle: true,
  accessKeyId: "AK",
  enabled: true,
  updatedAt: "2026-12-02T00:00:00Z",
  checkedAt: null,
  halted: null,
};
const counts = { pending: 0, uploading: 0, synced: 0, conflict: 0, failed: 0, lastError: null, lastSuccess: null };
const status = (over: Partial<SyncStatus["counts"]>, enabled = true): SyncStatus => ({
  target: { ...target, enabled },
  counts: { ...counts, ...over },
  checking: null,
});

describe("syncSummary", () => {
  it("says nothing before the status comes, and Local only for an org without a target", () => {
    expect(syncSummary(null)).toBeNull();
    expect(syncSummary({ target: null, counts, checking: null })).toMatchObject({
      text: "Local only",
      title: expect.stringContaining("on this computer only"),
    });
  });
  it("sends to Settings only those who may set sync up", () => {
    expect(syncSummary({ target: null, counts, checking: null }, true)?.title).toMatch(/ Set one in Settings\.$/);
    expect(syncSummary({ target: null, counts, checking: null }, false)?.title).toMatch(/ An owner or admin can set one in Settings\.$/);
    expect(syncSummary(status({ synced: 1 }, false), false)?.title).toMatch(/An owner or admin can turn it on in Settings\.$/);
  });
  it("counts what is waiting, and calls it offline when the last try failed", () => {
    expect(syncSummary(status({ pending: 3, uploading: 1 }))?.text).toBe("4 waiting");
    expect(syncSummary(status({ pending: 2, lastError: "connection refused" }))).toMatchObject({
      text: "Offline · 2 waiting",
      tone: "offline",
    });
  });
  it("puts failures first, and says up to date only when nothing is left", () => {
    expect(syncSummary(status({ pending: 5, failed: 2, lastError: "403" }))?.text).toBe("2 failed");
    expect(syncSummary(status({ synced: 9 }))?.text).toBe("Up to date");
    expect(syncSummary(status({ synced: 9 }, false))?.text).toBe("Sync paused");
  });
  it("says sync is held up, and why, when its configurer may no longer act for it", () => {
    const why = "Nothing is sent: alice, who saved these settings, may no longer change sync in AAA.";
    const held: SyncStatus = { ...status({ synced: 3, pending: 2 }), target: { ...target, halted: why } };
    expect(syncSummary(held)).toEqual({ text: "Sync held up", tone: "failed", title: why });
  });
});

describe("bucketCheckText", () => {
  it("says nothing when no check runs", () => {
    expect(bucketCheckText(null)).toBeNull();
  });
  it("counts the names while the bucket is listed, then the outputs compared", () => {
    expect(bucketCheckText({ deep: true, listed: 2000, compared: 0, outputs: 0 })).toBe("checking the bucket: 2000 names listed so far");
    expect(bucketCheckText({ deep: false, listed: 1, compared: 0, outputs: 0 })).toBe("checking the bucket: 1 name listed so far");
    expect(bucketCheckText({ deep: true, listed: 2000, compared: 120, outputs: 480 })).toBe("comparing contents: 120 of 480 outputs");
    expect(bucketCheckText({ deep: false, listed: 2000, compared: 0, outputs: 1 })).toBe("checking the bucket: 1 output to look for");
  });
});
