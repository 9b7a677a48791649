// Scan to pack (templates/packages/_scan.html). Each scan is a GET that htmx answers by replacing the panel's
// result (#scan-result) and the codes accepted so far (#scan-codes); the field itself stays, so what a fast
// scanner types while an answer is on its way is kept. This file clears the field as each code is sent,
// holds back a code finished before the previous answer came (it would be sent without that answer's codes),
// and plays a short tone: high for an item ticked off, low and longer for a refused one. Web Audio needs no
// sound file; a browser that allows no audio stays silent (the message on the page says the same).
// A static file because our CSP allows no inline code.
(function () {
  var audio = null;
  var busy = false; // a scan is on its way
  var queued = []; // codes finished meanwhile, sent one after another

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
      // No audio here.
    }
  }

  function isScanForm(element) {
    return !!(element && element.classList && element.classList.contains("scan-form"));
  }

  function cue(result) {
    var outcome = result.getAttribute("data-scan-result");
    if (outcome === "refused") tone(220, 0.35);
    else if (outcome === "accepted") tone(880, 0.08);
  }

  function sendNext() {
    var field = document.getElementById("scan-code");
    if (busy || !queued.length || !field) return;
    var typing = field.value; // the start of a later code, typed after this one
    field.value = queued.shift();
    field.form.requestSubmit(); // htmx reads the field now and then clears it (beforeRequest)
    field.value = typing;
  }

  document.addEventListener("submit", function (event) {
    if (!busy || !isScanForm(event.target)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var field = event.target.querySelector("#scan-code");
    if (field && field.value.trim()) queued.push(field.value);
    if (field) field.value = "";
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isScanForm(event.detail.elt)) return;
    busy = true;
    var field = event.detail.elt.querySelector("#scan-code");
    if (field) field.value = ""; // sent: what is typed from now on is the next code
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isScanForm(event.detail.elt)) return;
    // A redirect (another package's number) or a failed request swaps nothing here.
    if (!document.getElementById("scan-result") || event.detail.failed) busy = false;
  });

  // htmx fires afterSettle on the result it swapped in; the field keeps the focus it had.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== "scan-result") return;
    busy = false;
    cue(event.target);
    var field = document.getElementById("scan-code");
    if (field && document.activeElement === document.body) field.focus();
    sendNext();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var result = document.getElementById("scan-result");
    // A plain form's answer (htmx not loaded) is a whole page: the same cue, when the browser lets it play.
    if (result && result.getAttribute("data-scan-result")) cue(result);
  });
})();
