// The attention sound: a short two-note tone made with the Web Audio API (no audio files),
// and the mute switch, kept in localStorage so it survives a reload.
const MUTE_KEY = 'forewarn.mute';
// Two notes, high then lower, 0.15 s each: about half a second in all.
const NOTES = [
  { freq_hz: 880, start_s: 0, length_s: 0.15 },
  { freq_hz: 660, start_s: 0.2, length_s: 0.15 },
];
const PEAK_GAIN = 0.3;
const RESUME_WAIT_MS = 300;

let context = null;

export function isMuted() {
  return localStorage.getItem(MUTE_KEY) === '1';
}

export function setMuted(muted) {
  if (muted) localStorage.setItem(MUTE_KEY, '1');
  else localStorage.removeItem(MUTE_KEY);
}

/** The page's one AudioContext, made on first use; null where the browser has no Web Audio. */
function audioContext() {
  if (context) return context;
  const Ctor = window.AudioContext || window.webkitAudioContext;
  if (!Ctor) return null;
  context = new Ctor();
  return context;
}

/** Resolve after `promise` or after `ms`, whichever comes first. */
function within(promise, ms) {
  return Promise.race([promise.catch(() => {}), new Promise((r) => setTimeout(r, ms))]);
}

/**
 * Browsers start audio only after the user has interacted with the page. A context that
 * could not start now starts on the next click or key press, for the next alarm.
 */
function resumeOnGesture(ac) {
  const resume = () => ac.resume().catch(() => {});
  document.addEventListener('pointerdown', resume, { once: true, capture: true });
  document.addEventListener('keydown', resume, { once: true, capture: true });
}

/** One note with a short fade in and out (no clicks). */
function note(ac, { freq_hz, start_s, length_s }, t0) {
  const osc = ac.createOscillator();
  const gain = ac.createGain();
  osc.type = 'sine';
  osc.frequency.value = freq_hz;
  const start = t0 + start_s;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(PEAK_GAIN, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length_s);
  osc.connect(gain).connect(ac.destination);
  osc.start(start);
  osc.stop(start + length_s + 0.02);
}

/**
 * Play the attention tone unless muted. Resolves true when it played; false when muted, when
 * the browser has no Web Audio or when audio may not start yet (then a later alarm will).
 */
export async function playTone() {
  if (isMuted()) return false;
  const ac = audioContext();
  if (!ac) return false;
  if (ac.state !== 'running') await within(ac.resume(), RESUME_WAIT_MS);
  if (ac.state !== 'running') {
    resumeOnGesture(ac);
    return false;
  }
  const t0 = ac.currentTime + 0.02;
  for (const n of NOTES) note(ac, n, t0);
  return true;
}
