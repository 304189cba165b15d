// step the epoch slider once per interval until its end; a second press pauses
const S = (window.__bnlab = window.__bnlab || {});
if (S.timer) {
  clearInterval(S.timer);
  S.timer = null;
  button.label = "\u25b6 Play";
  return;
}
if (slider.value >= slider.end) slider.value = slider.start;
button.label = "\u275a\u275a Pause";
S.timer = setInterval(() => {
  if (slider.value < slider.end) {
    slider.value = slider.value + 1;
  }
  if (slider.value >= slider.end) {
    clearInterval(S.timer);
    S.timer = null;
    button.label = "\u25b6 Play";
  }
}, interval_ms);
