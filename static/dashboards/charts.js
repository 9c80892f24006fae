/* Draws the dashboards' charts with Apache ECharts from the JSON payload the page carries
   (id "dashboard-charts"). Kept in a static file: the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";

  var COLOURS = ["#0b6e99", "#e07a1f", "#067647", "#b42318", "#7a5af8"];
  var QUADRANT_FILL = { balanced: "rgba(6,118,71,.08)", strain: "rgba(224,122,31,.10)", comfort: "rgba(11,110,153,.08)", risk: "rgba(180,35,24,.10)" };

  function round(value, digits) {
    return value === null || value === undefined ? "—" : Number(value).toFixed(digits);
  }

  function quadrant(name, label, from, to) {
    return [
      { name: label, xAxis: from[0], yAxis: from[1], itemStyle: { color: QUADRANT_FILL[name] }, label: { show: true, position: "insideTop", color: "#616e7c" } },
      { xAxis: to[0], yAxis: to[1] }
    ];
  }

  function balanceOptions(spec) {
    var e = spec.employeeTarget, c = spec.customerTarget, q = spec.quadrants;
    return {
      color: COLOURS,
      grid: { left: 56, right: 24, top: 24, bottom: 48 },
      tooltip: { formatter: function (p) { return p.data.name + "<br>" + spec.xName + ": " + round(p.data.value[0], 1) + "<br>" + spec.yName + ": " + round(p.data.value[1], 1); } },
      xAxis: { name: spec.xName, nameLocation: "middle", nameGap: 28, min: 0, max: 100 },
      yAxis: { name: spec.yName, nameLocation: "middle", nameGap: 40, min: 0, max: 100 },
      series: [{
        type: "scatter",
        symbolSize: 14,
        cursor: "pointer",
        data: spec.points,
        label: { show: true, position: "right", formatter: function (p) { return p.data.name; } },
        markLine: {
          silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#616e7c" },
          data: [
            { xAxis: e, label: { formatter: spec.targetLabels.employee, position: "insideEndTop" } },
            { yAxis: c, label: { formatter: spec.targetLabels.customer, position: "insideStartTop" } }
          ]
        },
        markArea: {
          silent: true,
          data: [
            quadrant("balanced", q.balanced, [e, c], [100, 100]),
            quadrant("strain", q.strain, [0, c], [e, 100]),
            quadrant("comfort", q.comfort, [e, 0], [100, c]),
            quadrant("risk", q.risk, [0, 0], [e, c])
          ]
        }
      }]
    };
  }

  function kanoOptions(spec) {
    var q = spec.quadrants, half = 0.5;
    function area(label, from, to) {
      return [
        { name: label, xAxis: from[0], yAxis: from[1], itemStyle: { color: "rgba(97,110,124,.05)" }, label: { show: true, position: "insideTop", color: "#616e7c" } },
        { xAxis: to[0], yAxis: to[1] }
      ];
    }
    return {
      color: COLOURS,
      grid: { left: 56, right: 24, top: 24, bottom: 48 },
      tooltip: { formatter: function (p) { return p.data.name + " · " + p.data.category + "<br>" + spec.xName + ": " + round(p.data.value[0], 2) + "<br>" + spec.yName + ": " + round(p.data.value[1], 2); } },
      xAxis: { name: spec.xName, nameLocation: "middle", nameGap: 28, min: 0, max: 1 },
      yAxis: { name: spec.yName, nameLocation: "middle", nameGap: 40, min: 0, max: 1 },
      series: [{
        type: "scatter",
        symbolSize: 14,
        data: spec.points,
        label: { show: true, position: "right", formatter: function (p) { return p.data.name; } },
        markLine: {
          silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#616e7c" },
          label: { show: false },
          data: [{ xAxis: half }, { yAxis: half }]
        },
        markArea: {
          silent: true,
          data: [
            area(q.attractive, [0, half], [half, 1]),
            area(q.one, [half, half], [1, 1]),
            area(q.indifferent, [0, 0], [half, half]),
            area(q.must, [half, 0], [1, half])
          ]
        }
      }]
    };
  }

  function seriesOf(spec, type) {
    return spec.series.map(function (s, index) {
      var series = { name: s.name, type: type, data: s.data, connectNulls: true };
      if (index === 0 && spec.markLine !== undefined) {
        series.markLine = { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#b42318" }, data: [{ yAxis: spec.markLine, label: { formatter: spec.markLineLabel } }] };
      }
      if (index === 0 && spec.targets) {
        series.markLine = { silent: true, symbol: "none", lineStyle: { type: "dotted", color: "#616e7c" }, data: spec.targets.map(function (t) { return { yAxis: t }; }) };
      }
      return series;
    });
  }

  function axisOptions(spec, type) {
    return {
      color: COLOURS,
      grid: { left: 48, right: 24, top: 40, bottom: 40 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return round(v, 1); } },
      legend: { top: 0 },
      xAxis: { type: "category", data: spec.x },
      yAxis: spec.targets ? { type: "value", min: 0, max: 100 } : { type: "value" },
      series: seriesOf(spec, type)
    };
  }

  function heatmapOptions(spec) {
    return {
      grid: { left: 110, right: 24, top: 16, bottom: 70 },
      tooltip: { formatter: function (p) { return spec.y[p.data[1]] + " · " + spec.x[p.data[0]] + ": " + round(p.data[2], 0); } },
      xAxis: { type: "category", data: spec.x, axisLabel: { rotate: 45 } },
      yAxis: { type: "category", data: spec.y },
      visualMap: { min: 0, max: 100, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 80, inRange: { color: ["#fecdca", "#fef0c7", "#d1fadf"] } },
      series: [{ type: "heatmap", data: spec.data, label: { show: true, formatter: function (p) { return round(p.data[2], 0); } } }]
    };
  }

  var BUILDERS = {
    balance: balanceOptions,
    lines: function (spec) { return axisOptions(spec, "line"); },
    bars: function (spec) { return axisOptions(spec, "bar"); },
    heatmap: heatmapOptions,
    kano: kanoOptions
  };

  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || !window.echarts) { return; }
    var specs = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var spec = specs[Number(element.getAttribute("data-chart"))];
      var chart = window.echarts.init(element);
      chart.setOption(BUILDERS[spec.kind](spec));
      if (spec.kind === "balance") {
        chart.on("click", function (params) {
          if (params.data && params.data.url) { window.location.assign(params.data.url); }
        });
      }
      element.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", draw);
}());
