// The viewer's preferences, kept in this browser (localStorage): the colour theme (as the system, light or
// dark) and whether the toolbar slides away in full screen. Settings the server must act on (DCV's streaming
// mode, time zone redirection) join this panel when the server has them; see docs/web-client.md.
import { S } from '../strings.js';
import type { ToolbarPanelSpec } from './toolbar.js';

export type Theme = 'system' | 'light' | 'dark';

export interface Preferences {
  theme: Theme;
  autoHideToolbar: boolean;
}

const KEY = 'opendcv.preferences';

export function loadPreferences(): Preferences {
  const prefs: Preferences = { theme: 'system', autoHideToolbar: true };
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<
      Record<keyof Preferences, unknown>
    >;
    if (stored.theme === 'light' || stored.theme === 'dark' || stored.theme === 'system')
      prefs.theme = stored.theme;
    if (typeof stored.autoHideToolbar === 'boolean') prefs.autoHideToolbar = stored.autoHideToolbar;
  } catch {
    // unreadable or no storage: the defaults
  }
  return prefs;
}

function save(prefs: Preferences): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // nothing to keep it in; it holds for this page
  }
}

/** The page follows the system's light/dark unless the person chose one (viewer.css reads data-theme). */
export function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

export function preferencesPanel(prefs: Preferences, onChange: (p: Preferences) => void): ToolbarPanelSpec {
  return {
    id: 'preferences',
    label: S.preferences,
    title: S.preferencesTitle,
    icon: 'gear',
    order: 80,
    mount(el) {
      const themes = document.createElement('fieldset');
      const legend = document.createElement('legend');
      legend.textContent = S.theme;
      themes.appendChild(legend);
      for (const [value, text] of [
        ['system', S.themeSystem],
        ['light', S.themeLight],
        ['dark', S.themeDark],
      ] as const) {
        const label = document.createElement('label');
        const radio = document.createElement('input');
        radio.type = 'radio';
        radio.name = 'theme';
        radio.value = value;
        radio.checked = prefs.theme === value;
        radio.addEventListener('change', () => {
          prefs.theme = value;
          save(prefs);
          onChange(prefs);
        });
        label.append(radio, ` ${text}`);
        themes.appendChild(label);
      }
      const autoHide = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.id = 'pref-auto-hide';
      box.checked = prefs.autoHideToolbar;
      box.addEventListener('change', () => {
        prefs.autoHideToolbar = box.checked;
        save(prefs);
        onChange(prefs);
      });
      autoHide.append(box, ` ${S.autoHide}`);
      el.append(themes, autoHide);
    },
  };
}
