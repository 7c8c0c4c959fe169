// The two charts of the status page, drawn with uPlot (served from node_modules: no CDN).
// Records synced per bucket by outcome, and requests per second per system against the
// rate limit of the system that has one (PowerOffice Go: 10 per second per key).
import uPlot from './vendor/uPlot.esm.js';

const COLORS = {
  created: '#2f9e44',
  updated: '#1c7ed6',
  deleted: '#868e96',
  archived: '#adb5bd',
  failed: '#e03131',
  conflict: '#f08c00',
};
const SYSTEM_COLORS = ['#7048e8', '#1098ad', '#e8590c', '#5c940d'];
const SHOWN_OUTCOMES = ['created', 'updated', 'deleted', 'archived', 'failed', 'conflict'];

function size(box) {
  return { width: Math.max(240, box.clientWidth), height: 170 };
}

function axes() {
  return [
    { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { show: false } },
    { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { show: false }, size: 40 },
  ];
}

export function createCharts(recordsBox, requestsBox) {
  let records;
  let requests;
  let recordKeys = '';
  let requestKeys = '';

  function buildRecords(outcomes, data) {
    records?.destroy();
    recordsBox.replaceChildren();
    records = new uPlot(
      {
        ...size(recordsBox),
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
        axes: axes(),
        series: [
          {},
          ...outcomes.map((outcome) => ({
            label: outcome,
            stroke: COLORS[outcome] ?? '#495057',
            fill: `${COLORS[outcome] ?? '#495057'}22`,
            width: 2,
            paths: uPlot.paths.stepped({ align: 1 }),
            points: { show: false },
          })),
        ],
      },
      data,
      recordsBox,
    );
  }

  function buildRequests(systems, data) {
    requests?.destroy();
    requestsBox.replaceChildren();
    requests = new uPlot(
      {
        ...size(requestsBox),
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(12, Math.ceil(max * 1.15))] } },
        axes: axes(),
        series: [
          {},
          ...systems.map((system, i) => ({
            label: system,
            stroke: SYSTEM_COLORS[i % SYSTEM_COLORS.length],
            width: 1.5,
            points: { show: false },
          })),
          { label: 'limit', stroke: '#e03131', dash: [6, 4], width: 1.5, points: { show: false } },
        ],
      },
      data,
      requestsBox,
    );
  }

  return {
    update(series, budget) {
      const present = Object.keys(series.records.outcomes);
      const outcomes = SHOWN_OUTCOMES.filter((o) => present.includes(o));
      if (outcomes.length === 0) outcomes.push('updated');
      const recordData = [
        series.records.t,
        ...outcomes.map((o) => series.records.outcomes[o] ?? series.records.t.map(() => 0)),
      ];
      if (outcomes.join() !== recordKeys || !records) {
        recordKeys = outcomes.join();
        buildRecords(outcomes, recordData);
      } else {
        records.setData(recordData);
      }

      const systems = Object.keys(series.requests.systems).sort();
      // The limit line is the tightest per-second budget among rate-limited systems.
      const limited = budget.filter((b) => b.limit > 0);
      const limit = limited.length ? Math.min(...limited.map((b) => b.limit / (b.intervalMs / 1000))) : null;
      const requestData = [
        series.requests.t,
        ...systems.map((s) => series.requests.systems[s]),
        series.requests.t.map(() => limit),
      ];
      if (systems.join() !== requestKeys || !requests) {
        requestKeys = systems.join();
        buildRequests(systems, requestData);
      } else {
        requests.setData(requestData);
      }
    },
    resize() {
      records?.setSize(size(recordsBox));
      requests?.setSize(size(requestsBox));
    },
  };
}
