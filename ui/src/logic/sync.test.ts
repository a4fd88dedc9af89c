import { describe, expect, it } from "vitest";
import type { SyncStatus } from "../bindings/SyncStatus";
import { syncSummary } from "./sync";

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
};
const counts = { pending: 0, uploading: 0, synced: 0, conflict: 0, failed: 0, lastError: null, lastSuccess: null };
const status = (over: Partial<SyncStatus["counts"]>, enabled = true): SyncStatus => ({
  target: { ...target, enabled },
  counts: { ...counts, ...over },
});

describe("syncSummary", () => {
  it("says nothing for an org without a target", () => {
    expect(syncSummary(null)).toBeNull();
    expect(syncSummary({ target: null, counts })).toBeNull();
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
});
