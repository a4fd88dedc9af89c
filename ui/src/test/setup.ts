import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// Shared CI machines are slow at times: give findBy/waitFor more room than the 1 s default.
configure({ asyncUtilTimeout: 4000 });

// Unmount rendered trees between tests so one test's screen never leaks into the next.
afterEach(() => {
  cleanup();
});
