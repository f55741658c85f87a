// A table of records reads as a list of cards in a narrow box (a phone, the room's side column):
// the stylesheet puts each cell on a line of its own after its column's name, which it takes from
// ``data-label``. The names are copied here from the table's head, for tables drawn with the page
// and for those a script puts in later (the documents list refreshes itself).

function labelTable(table) {
  const names = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    Array.from(row.children).forEach((cell, index) => {
      if (!cell.hasAttribute("data-label") && names[index]) {
        cell.setAttribute("data-label", names[index]);
      }
    });
  }
}

export function labelTables(root = document) {
  for (const table of root.querySelectorAll("table.table--stack")) {
    labelTable(table);
  }
}

export function watchTables() {
  labelTables();
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) {
          if (node.matches("table.table--stack")) labelTable(node);
          else labelTables(node);
        }
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
}
