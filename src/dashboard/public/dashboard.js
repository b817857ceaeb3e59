/*
 * beckn-ride operator dashboard: reads the analytics API of the service that
 * serves this page with the operator's admin token (kept in sessionStorage,
 * never in the address) and draws tiles, two charts and a cell heatmap,
 * refreshing every 15 seconds. Chart.js and Leaflet are served by the service.
 */
'use strict';

(() => {
  const TOKEN_KEY = 'beckn-ride.admin-token';
  const REFRESH_MS = 15_000;
  const FALLBACK_CITY = 'std:080';
  /** Same colours as .legend-scale in dashboard.css, lowest first. */
  const PALETTE = ['#fff5d6', '#fed976', '#fd8d3c', '#e31a1c', '#800026'];
  const NO_VALUE_COLOUR = '#c3cad3';
  const BEARER_TOKEN = /^[\x21-\x7e]+$/;

  const element = (id) => document.getElementById(id);
  const ui = {
    login: element('login'),
    loginForm: element('login-form'),
    token: element('token'),
    loginError: element('login-error'),
    board: element('board'),
    filters: element('filters'),
    city: element('city'),
    range: element('range'),
    signOut: element('sign-out'),
    status: element('status'),
    boardError: element('board-error'),
    totalsRange: element('totals-range'),
    heatmapMetric: element('heatmap-metric'),
    heatmap: element('heatmap'),
    heatmapNote: element('heatmap-note'),
    heatmapLegend: element('heatmap-legend'),
  };

  class Unauthorized extends Error {}
  class NotAvailable extends Error {}

  const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const decimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
  const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const bucketTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

  let charts = null;
  let map = null;
  let cellsLayer = null;
  let refreshTimer = null;
  /** Only the latest load may write to the page; an older one finishing late is dropped. */
  let generation = 0;

  function storedToken() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function initialCity() {
    const fromAddress = new URLSearchParams(location.search).get('city');
    if (fromAddress && fromAddress.trim()) return fromAddress.trim();
    const fromService = document.querySelector('meta[name="beckn-ride-default-city"]')?.getAttribute('content');
    return fromService && fromService.trim() ? fromService.trim() : FALLBACK_CITY;
  }

  /** The selected range as [from, to) ending now, and the bucket its charts use. */
  function currentRange() {
    const hours = Number(ui.range.value);
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3_600_000);
    return { hours, from: from.toISOString(), to: to.toISOString(), bucket: hours <= 6 ? '15m' : '1h' };
  }

  async function api(path, params) {
    const url = new URL(path, location.origin);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const response = await fetch(url, { headers: { Authorization: `Bearer ${storedToken()}`, Accept: 'application/json' }, cache: 'no-store' });
    if (response.status === 401 || response.status === 403) throw new Unauthorized();
    if (response.status === 404) throw new NotAvailable();
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new Error(`${url.pathname} answered ${response.status}${body?.error?.message ? `: ${body.error.message}` : ''}`);
    }
    return response.json();
  }

  function showLogin(message) {
    stopRefresh();
    ui.board.hidden = true;
    ui.filters.hidden = true;
    ui.login.hidden = false;
    ui.loginError.textContent = message ?? '';
    ui.token.value = '';
    ui.token.focus();
  }

  function showBoard() {
    ui.login.hidden = true;
    ui.loginError.textContent = '';
    ui.board.hidden = false;
    ui.filters.hidden = false;
  }

  function stopRefresh() {
    if (refreshTimer !== null) clearInterval(refreshTimer);
    refreshTimer = null;
    generation += 1;
  }

  function startRefresh() {
    stopRefresh();
    void load();
    refreshTimer = setInterval(() => void load(), REFRESH_MS);
  }

  function setTile(name, text, detail) {
    const tile = document.querySelector(`[data-tile="${name}"]`);
    tile.textContent = text;
    if (detail) {
      const small = document.createElement('small');
      small.textContent = detail;
      tile.append(small);
    }
  }

  const orDash = (value, format) => (value === null || value === undefined ? '–' : format(value));

  function duration(ms) {
    if (ms < 60_000) return `${decimals.format(ms / 1000)} s`;
    const minutes = Math.floor(ms / 60_000);
    return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  }

  /** A decimal text total in its currency; no currency (no ride ended) shows the bare number. */
  function money(total) {
    const amount = Number(total.value);
    if (!total.currency) return decimals.format(amount);
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: total.currency }).format(amount);
    } catch {
      return `${total.value} ${total.currency}`;
    }
  }

  function renderSummary(summary) {
    const { totals } = summary;
    const cancellations = totals.cancellations;
    setTile('searches', numbers.format(totals.searches));
    setTile('bookings', numbers.format(totals.bookings));
    setTile('completed_rides', numbers.format(totals.completed_rides));
    setTile('conversion', orDash(summary.rates.conversion, (rate) => percent.format(rate)), 'bookings per search');
    setTile(
      'cancellations',
      numbers.format(cancellations.by_rider + cancellations.by_driver + cancellations.other),
      `rider ${cancellations.by_rider} · driver ${cancellations.by_driver} · other ${cancellations.other}`,
    );
    setTile('median_time_to_assign', orDash(summary.median_time_to_assign_ms, duration));
    setTile('idle_drivers', orDash(summary.supply.avg_idle_drivers, (idle) => decimals.format(idle)), `online ${orDash(summary.supply.avg_online_drivers, (online) => decimals.format(online))}`);
    setTile('demand_supply_ratio', orDash(summary.demand_supply_ratio, (ratio) => decimals.format(ratio)), 'searches per 15 min per idle driver');
    setTile('fare_total', money(totals.fare_total));
    if (document.activeElement !== ui.city && summary.city) ui.city.value = summary.city;
  }

  function lineDataset(label, colour, yAxisID, data) {
    return { type: 'line', label, data, yAxisID, borderColor: colour, backgroundColor: colour, pointRadius: 2, borderWidth: 2, spanGaps: true };
  }

  function createCharts() {
    const common = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { position: 'bottom' } },
    };
    const demand = new Chart(element('chart-demand'), {
      type: 'line',
      data: { labels: [], datasets: [lineDataset('Searches', '#1f6f8b', 'y', []), lineDataset('Idle drivers', '#e76f51', 'y1', [])] },
      options: {
        ...common,
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'searches' }, ticks: { precision: 0 } },
          y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'idle drivers' } },
        },
      },
    });
    const conversion = new Chart(element('chart-conversion'), {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          { type: 'bar', label: 'Cancellations', data: [], yAxisID: 'y', backgroundColor: '#e9c46a' },
          lineDataset('Conversion (%)', '#2a9d8f', 'y1', []),
        ],
      },
      options: {
        ...common,
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'cancellations' }, ticks: { precision: 0 } },
          y1: { beginAtZero: true, suggestedMax: 100, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'conversion %' } },
        },
      },
    });
    return { demand, conversion };
  }

  function renderCharts(series) {
    charts ??= createCharts();
    const labels = series.searches.points.map((point) => bucketTime.format(new Date(point.t)));
    const values = (name, scale = 1) => series[name].points.map((point) => (point.value === null ? null : point.value * scale));
    charts.demand.data.labels = labels;
    charts.demand.data.datasets[0].data = values('searches');
    charts.demand.data.datasets[1].data = values('supply_idle');
    charts.demand.update('none');
    charts.conversion.data.labels = series.conversion.points.map((point) => bucketTime.format(new Date(point.t)));
    charts.conversion.data.datasets[0].data = values('cancellations');
    charts.conversion.data.datasets[1].data = values('conversion', 100);
    charts.conversion.update('none');
  }

  function colourOf(value, max) {
    if (value === null || value === undefined) return NO_VALUE_COLOUR;
    if (max <= 0) return PALETTE[0];
    return PALETTE[Math.min(PALETTE.length - 1, Math.floor((value / max) * PALETTE.length))];
  }

  function heatmapLabel(metric, value, currency) {
    if (value === null || value === undefined) return 'no value';
    if (metric === 'conversion') return percent.format(value);
    if (metric === 'median_time_to_assign_ms') return duration(value);
    if (metric === 'fare_total' && currency) return money({ value: String(value), currency });
    return decimals.format(value);
  }

  function renderLegend(metric, max, currency) {
    const low = document.createElement('span');
    low.textContent = heatmapLabel(metric, 0, currency);
    const scale = document.createElement('span');
    scale.className = 'legend-scale';
    PALETTE.forEach((_colour, index) => {
      const step = document.createElement('span');
      step.className = `s${index}`;
      scale.append(step);
    });
    const high = document.createElement('span');
    high.textContent = heatmapLabel(metric, max, currency);
    ui.heatmapLegend.replaceChildren(low, scale, high);
  }

  function renderHeatmap(collection) {
    const metric = collection.metric;
    // No tile layer: the cells are drawn on the plain background, so nothing is fetched from elsewhere.
    map ??= L.map(ui.heatmap, { attributionControl: false, zoomSnap: 0.25, zoomAnimation: false, fadeAnimation: false, center: [0, 0], zoom: 1 });
    map.invalidateSize();
    if (cellsLayer !== null) cellsLayer.remove();
    cellsLayer = null;
    const values = collection.features.map((feature) => feature.properties.value).filter((value) => value !== null);
    const max = values.length > 0 ? Math.max(...values) : 0;
    if (collection.features.length === 0) {
      ui.heatmapNote.textContent = 'No cell of this city has data in the selected range.';
      ui.heatmapLegend.replaceChildren();
      return;
    }
    const from = new Date(collection.from);
    const to = new Date(collection.to);
    const span = Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) ? '' : `, ${from.toLocaleString()} – ${to.toLocaleString()}`;
    ui.heatmapNote.textContent = `${collection.features.length} cells${span}`;
    cellsLayer = L.geoJSON(collection, {
      style: (feature) => ({ color: '#4a5563', weight: 1, fillColor: colourOf(feature.properties.value, max), fillOpacity: 0.75 }),
      onEachFeature: (feature, layer) => {
        const tip = document.createElement('span');
        tip.textContent = `${feature.properties.cell}: ${heatmapLabel(metric, feature.properties.value, collection.currency)}`;
        layer.bindTooltip(tip, { sticky: true });
      },
    }).addTo(map);
    map.fitBounds(cellsLayer.getBounds(), { padding: [24, 24], maxZoom: 17 });
    renderLegend(metric, max, collection.currency);
  }

  async function load() {
    const mine = ++generation;
    const city = ui.city.value.trim() || initialCity();
    const range = currentRange();
    const heatmapMinutes = String(range.hours * 60);
    const span = { city, from: range.from, to: range.to };
    const series = (metric) => api('/provider/analytics/timeseries', { metric, bucket: range.bucket, ...span });
    try {
      const [summary, searches, supplyIdle, conversion, cancellations, heatmap] = await Promise.all([
        api('/provider/analytics/summary', span),
        series('searches'),
        series('supply_idle'),
        series('conversion'),
        series('cancellations'),
        api('/provider/analytics/heatmap', { metric: ui.heatmapMetric.value, city, at: range.to, window: heatmapMinutes }),
      ]);
      if (mine !== generation) return;
      ui.boardError.textContent = '';
      ui.totalsRange.textContent = `(${city}, last ${range.hours} h)`;
      renderSummary(summary);
      renderCharts({ searches, supply_idle: supplyIdle, conversion, cancellations });
      renderHeatmap(heatmap);
      ui.status.textContent = `Updated ${clock.format(new Date())}; refreshes every ${REFRESH_MS / 1000} s.`;
    } catch (error) {
      if (mine !== generation) return;
      if (error instanceof Unauthorized) {
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin('The service refused this admin token (401). Enter the admin token again.');
      } else if (error instanceof NotAvailable) {
        ui.boardError.textContent = 'This service does not offer the analytics API (404). Is it running the provider (bpp) role?';
      } else {
        ui.boardError.textContent = `Could not load the analytics: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  }

  ui.loginForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = ui.token.value.trim();
    if (!BEARER_TOKEN.test(token)) {
      ui.loginError.textContent = 'A token is printable ASCII with no spaces; check what you pasted.';
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    showBoard();
    startRefresh();
  });

  ui.filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const address = new URL(location.href);
    address.searchParams.set('city', ui.city.value.trim());
    history.replaceState(null, '', address);
    startRefresh();
  });
  ui.range.addEventListener('change', () => startRefresh());
  ui.heatmapMetric.addEventListener('change', () => startRefresh());
  ui.signOut.addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('');
  });

  ui.city.value = initialCity();
  if (storedToken()) {
    showBoard();
    startRefresh();
  } else {
    showLogin('');
  }
})();
