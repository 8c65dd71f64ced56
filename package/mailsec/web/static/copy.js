// Copy buttons: <button class="copy" data-copy="ID"> copies the text of element ID. Without JavaScript the
// buttons stay hidden, and one click on a record selects it whole (CSS user-select: all) for copying.
document.addEventListener("DOMContentLoaded", function () {
  function selectAndCopy(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    try { return document.execCommand("copy"); } catch (error) { return false; }
  }
  document.querySelectorAll("button.copy").forEach(function (button) {
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      var copied = function () {
        button.textContent = button.dataset.done;
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {  // DSM over plain http is not a secure context
        navigator.clipboard.writeText(source.textContent).then(copied, function () {
          if (selectAndCopy(source)) { copied(); }
        });
      } else if (selectAndCopy(source)) {
        copied();
      }
    });
  });
});
