// One small chart.js wrapper: the chart is created once on mount, new data is applied with
// chart.update(), and it is destroyed on unmount. Only the chart types the dashboard draws are
// registered (not chart.js/auto). What the chart holds after each update is written to the
// canvas's data-series attribute (labels and each dataset's numbers), so a person inspecting the
// page, and the browser test, can compare the chart with the table beside it.
import { useEffect, useRef } from "preact/hooks";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJs,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartType,
} from "chart.js";

ChartJs.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Series {
  label: string;
  data: number[];
  color: string;
}

export function Chart({ type, labels, series, label }: { type: Extract<ChartType, "bar" | "line">; labels: string[]; series: Series[]; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ChartJs | null>(null);

  useEffect(() => {
    chart.current = new ChartJs(canvas.current!, {
      type,
      data: { labels: [], datasets: [] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } }, scales: { y: { beginAtZero: true } } },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [type]);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data.labels = labels;
    current.data.datasets = series.map((s) => ({ label: s.label, data: s.data, borderColor: s.color, backgroundColor: s.color, tension: 0.2, pointRadius: labels.length > 60 ? 0 : 2 }));
    current.update();
    canvas.current!.dataset.series = JSON.stringify({
      labels: current.data.labels,
      datasets: current.data.datasets.map((d) => ({ label: d.label, data: d.data })),
    });
  }, [labels, series]);

  return (
    <div class="LoyalNest-Chart" style={{ position: "relative", height: "260px" }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
