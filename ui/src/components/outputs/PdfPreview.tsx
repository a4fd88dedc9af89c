/**
 * A PDF shown inside the app: every page drawn on a canvas by pdf.js, bundled with the app (no
 * network) and loaded only when a preview opens, so the rest of the window starts without it.
 */
import { useEffect, useRef, useState } from "react";
import { InlineError } from "../common/ErrorBanner";

type Status = { kind: "loading" } | { kind: "ready"; pages: number } | { kind: "failed"; message: string };

/** Width a page is drawn at when the panel's width is unknown (jsdom), in CSS pixels. */
const FALLBACK_WIDTH = 760;
/** The pages area's padding on both sides plus room for its scroll bar: a fitted page leaves it free. */
const PAGES_PADDING = 24 + 16;

const ZOOMS = [0.75, 1, 1.25, 1.5, 2] as const;

export function PdfPreview({ bytes, name }: { bytes: ArrayBuffer; name: string }) {
  const pagesRef = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>({ kind: "loading" });
  const [zoomIndex, setZoomIndex] = useState(1);
  const zoom = ZOOMS[zoomIndex] ?? 1;

  useEffect(() => {
    let cancelled = false;
    const container = pagesRef.current;
    if (!container) return;
    container.replaceChildren();
    setStatus({ kind: "loading" });
    (async () => {
      const pdfjs = await import("pdfjs-dist");
      const worker = await import("pdfjs-dist/build/pdf.worker.min.mjs?url");
      pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
      // pdf.js takes ownership of the buffer it is given, so it gets a copy.
      const document = await pdfjs.getDocument({
        data: new Uint8Array(bytes.slice(0)),
        isEvalSupported: false,
        standardFontDataUrl: new URL("pdfjs/standard_fonts/", window.location.href).href,
      }).promise;
      const ratio = window.devicePixelRatio || 1;
      // 100 % fits the page to the panel's width; the canvas uses the device pixel ratio on top.
      const fitted = container.clientWidth > PAGES_PADDING ? container.clientWidth - PAGES_PADDING : FALLBACK_WIDTH;
      for (let number = 1; number <= document.numPages && !cancelled; number++) {
        const page = await document.getPage(number);
        const unscaled = page.getViewport({ scale: 1 });
        const viewport = page.getViewport({ scale: ((fitted * zoom) / unscaled.width) * ratio });
        const canvas = window.document.createElement("canvas");
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
        canvas.className = "pdf-page";
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", `${name}, page ${number} of ${document.numPages}`);
        canvas.dataset.testid = "pdf-page";
        container.appendChild(canvas);
        await page.render({ canvas, viewport }).promise;
      }
      if (!cancelled) setStatus({ kind: "ready", pages: document.numPages });
      await document.destroy();
    })().catch((error: unknown) => {
      if (!cancelled) {
        setStatus({
          kind: "failed",
          message: `The preview of ${name} could not be drawn (${error instanceof Error ? error.message : String(error)}). Use Open to view it in the system viewer.`,
        });
      }
    });
    return () => {
      cancelled = true;
    };
  }, [bytes, name, zoom]);

  return (
    <div className="pdf-preview" data-testid="pdf-preview" data-status={status.kind} data-pages={status.kind === "ready" ? status.pages : undefined}>
      <div className="pdf-toolbar">
        <button
          type="button"
          className="button quiet small"
          aria-label="Zoom out"
          disabled={zoomIndex === 0}
          onClick={() => setZoomIndex((i) => Math.max(0, i - 1))}
        >
          −
        </button>
        <span className="pdf-zoom" aria-live="polite">
          {Math.round(zoom * 100)} %
        </span>
        <button
          type="button"
          className="button quiet small"
          aria-label="Zoom in"
          disabled={zoomIndex === ZOOMS.length - 1}
          onClick={() => setZoomIndex((i) => Math.min(ZOOMS.length - 1, i + 1))}
        >
          +
        </button>
        <span className="muted">
          {status.kind === "loading" ? "Drawing the pages…" : status.kind === "ready" ? `${status.pages} ${status.pages === 1 ? "page" : "pages"}` : ""}
        </span>
      </div>
      {status.kind === "failed" ? <InlineError message={status.message} /> : null}
      <div className="pdf-pages" ref={pagesRef} />
    </div>
  );
}
