/**
 * A file's sync state in the outputs table: a word, and on hover the file's own reason when the
 * syncer recorded one, where a failed file had only said "sync status says why".
 */
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { SyncStateCell } from "./OutputsPane";

function cell(output: Parameters<typeof SyncStateCell>[0]["output"]) {
  render(
    <table>
      <tbody>
        <tr>
          <SyncStateCell output={output} />
        </tr>
      </tbody>
    </table>,
  );
  return screen.getByTestId("output-sync-state");
}

describe("an output's sync state", () => {
  it("names the bucket's refusal of this very file on hover", () => {
    const reason = "estimate1-bill1-job2.xlsx changed on disk since it was recorded";
    const shown = cell({ syncState: "failed", syncProblem: reason });
    expect(shown.textContent).toBe("Sync failed");
    expect(shown.title).toBe(reason);
  });

  it("explains the state itself when the file has no problem of its own", () => {
    const shown = cell({ syncState: "synced", syncProblem: null });
    expect(shown.textContent).toBe("Synced");
    expect(shown.title).toBe("In the bucket, checked byte for byte.");
  });
});
