import type { TapeLabelView } from '../../projections/ports/label-queries';
import type { Style } from './style';

/** `● archive ● offsite`: each label with a dot in its colour (just the names when piped). */
export const renderLabels = (labels: readonly TapeLabelView[], style: Style): string =>
  labels.map((l) => (style.enabled ? `${style.rgb(l.color, '●')} ${l.name}` : l.name)).join(style.enabled ? '  ' : ', ');
