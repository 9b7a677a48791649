// Scan to pack (templates/packages/_scan.html): after every scan the panel is swapped in by htmx; this puts the
// cursor back in the scan field, ready for the scanner's next code, and plays a short tone: high for an item
// ticked off, low and longer for a refused one. Web Audio needs no sound file; browsers that refuse audio
// before a user gesture (or have none) stay silent. A static file because our CSP allows no inline code.
(function () {
  var audio = null;

  function tone(frequency, seconds) {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = frequency;
      gain.gain.value = 0.08;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + seconds);
    } catch (error) {
      // No audio here: the message on the page says the same.
    }
  }

  function ready(panel) {
    var result = panel.getAttribute("data-scan-result");
    if (result === "refused") tone(220, 0.35);
    else if (result === "accepted") tone(880, 0.08);
    var field = panel.querySelector("#scan-code");
    if (field) {
      field.value = "";
      field.focus();
    }
  }

  // htmx fires afterSettle on the panel it swapped in (outerHTML); a swap of the whole package is not a scan.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "scan-panel") ready(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("scan-panel");
    // A plain form's answer (no htmx) is a whole page: the same cue, when the browser lets it play.
    if (panel && panel.getAttribute("data-scan-result")) ready(panel);
  });
})();
