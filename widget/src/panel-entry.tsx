// Entry of widget-panel.js: runs once the launcher has added it to the page, and hands the
// launcher what the dialog shows.
import { PanelBody } from "./panel";
import { createPanelStore } from "./panel-store";

window.__loyalnest?.panel?.((store) => {
  const panel = createPanelStore(store);
  return { Panel: () => <PanelBody store={panel} />, opened: panel.opened, retry: panel.retry };
});
