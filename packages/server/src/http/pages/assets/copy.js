// Copy buttons of the account portal: a button with data-copy="ID" copies the text of the element
// ID to the clipboard. Served by Tessera as a file (the CSP forbids inline scripts); without it
// the button stays hidden and the text can still be selected and copied by hand.

document.addEventListener('DOMContentLoaded', function revealCopyButtons() {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copyStatus || '');
    if (source === null) continue;
    button.hidden = false;
    button.addEventListener('click', function copy() {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        function copied() {
          if (status) status.textContent = 'Copied.';
        },
        function refused() {
          if (status) status.textContent = 'Could not copy: select the text and copy it.';
        },
      );
    });
  }
});
