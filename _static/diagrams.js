// Mermaid diagrams: fit each one to the column when its labels stay readable (at least 2/3 of
// mermaid's 16 px, so >= 10.5 px), otherwise show it at its natural size, scrolling sideways
// inside its box (see course.css). sphinxcontrib-mermaid alone squeezes every diagram into the
// column, however wide, and wide left-to-right charts ended with 5 px labels.
(() => {
  const MIN_SCALE = 2 / 3;
  const fit = (svg) => {
    const vb = svg.viewBox && svg.viewBox.baseVal;
    if (!vb || !vb.width || !svg.parentElement) return;
    const room = svg.parentElement.clientWidth;
    const scale = Math.min(1, room / vb.width);
    const s = scale >= MIN_SCALE ? scale : 1;
    svg.style.setProperty("width", `${vb.width * s}px`, "important");
    svg.style.setProperty("height", `${vb.height * s}px`, "important");
  };
  const fitAll = () => document.querySelectorAll("pre.mermaid > svg").forEach(fit);
  const start = () => {
    new MutationObserver(fitAll).observe(document.body, { childList: true, subtree: true });
    fitAll();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("resize", fitAll);
})();
