/**
 * Entry point. It stays small on purpose: it shows the first screen drawn at build time and
 * leaves React to load when the person starts using it (`firstScreen/handoff.ts`).
 */
import { runningInTauri, tauriBackend } from "./backend";
import { openWindow } from "./firstScreen/handoff";
import "./styles.css";

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root element");

void openWindow(container, {
  inTauri: runningInTauri(),
  appStatus: tauriBackend.appStatus,
  announceFirstScreen: tauriBackend.firstScreenShown,
  loadReact: () => import("./reactApp").then((module) => module.sitebookWindow),
});
