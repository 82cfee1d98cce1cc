// The view page (src/app) as one self-contained HTML string. The bin carries it, built by
// scripts/bundle.mjs; the tsc output (tests, the unbundled bench row) builds it from the source on
// first use.
declare const __DIAGNOSIS_PAGE__: string | undefined;

let built: Promise<string> | undefined;

export function diagnosisPage(): Promise<string> {
  if (typeof __DIAGNOSIS_PAGE__ !== "undefined") return Promise.resolve(__DIAGNOSIS_PAGE__);
  built ??= import("../app/build-page.js").then(({ buildPage }) => buildPage());
  return built;
}

/** The page with a diagnosis in it, drawn without a host (the report command). The JSON sits in
 * a script element, which only "</script" ends: with every "<" written as \u003c, no text from
 * the API can end it or start markup. */
export function embedDiagnosis(page: string, diagnosis: Record<string, unknown>): string {
  const json = JSON.stringify(diagnosis).replace(/</g, "\\u003c");
  // A function, so "$&" and the like in the data are not read as replacement patterns.
  return page.replace("</head>", () => `<script type="application/json" id="diagnosis">${json}</script></head>`);
}
