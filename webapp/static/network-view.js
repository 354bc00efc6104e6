/*
 * Common Ground: the network page's drawing (sigma.js + graphology, WebGL) and map (d3-geo +
 * world-atlas, SVG), both drawn from the page's own JSON twin.
 *
 * Progressive enhancement: without JavaScript, WebGL or the libraries, the page keeps its
 * tables (the bridges, the communities and every link), which hold the same information.
 * The drawing takes keyboard focus: + and - zoom, the arrow keys pan, 0 fits the whole
 * network; a polite live region says what was drawn.  The map is a static SVG with a title.
 * The Content-Security-Policy forbids inline scripts and styles; this file adds neither
 * (colours are SVG attributes or WebGL data).  The sigma instance is window.commonGroundNetwork.
 */
(function () {
  "use strict";

  // One colour per community (cycled), each at least 3:1 against white.
  var PALETTE = ["#0b5d7a", "#7b3fa0", "#a0522d", "#3f7e44", "#b3261e", "#1f6fd1", "#8a6d00", "#c2185b",
                 "#2e7d6b", "#5c6bc0", "#6d4c41", "#d1495b"];
  var PARTNERSHIP_COLOUR = "#767676";
  var STATUS_COLOURS = {active: "#0b5d7a", dormant: "#8a6d00", ended: "#b3261e"};
  var SVG_NS = "http://www.w3.org/2000/svg";

  function fetchJSON(url) {
    return fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + url); }
      return r.json();
    });
  }

  function jsonUrl(src) {
    // data-src is the page's JSON twin (the same path + ".json", same query).
    return src;
  }

  function say(text) {
    var status = document.getElementById("drawing-status");
    if (status) { status.textContent = text; }
  }

  function sigmaClass() {
    var S = window.Sigma;
    if (typeof S === "function") { return S; }
    return S && (S.Sigma || S.default) || null;
  }

  function drawNetwork(box, data) {
    var Sigma = sigmaClass();
    if (!Sigma || !window.graphology || !data.nodes.length) { return; }
    var Graph = window.graphology.Graph || window.graphology;
    var graph = new Graph({type: "undirected", multi: false});
    // Members without a partnership would fill the drawing with lone dots around the few
    // clusters that matter; the "gaps" table lists them.  Only linked nodes are drawn.
    var linked = {};
    data.edges.forEach(function (e) { linked[e[0]] = true; linked[e[1]] = true; });
    data.nodes.filter(function (n) { return linked[n.id]; }).forEach(function (n) {
      var colour = n.kind === "Partnership" ? PARTNERSHIP_COLOUR
        : (n.community ? PALETTE[(n.community - 1) % PALETTE.length] : "#555555");
      graph.addNode(n.id, {x: n.x, y: n.y, label: n.label, url: n.url,
                           size: n.kind === "Partnership" ? 2 : 3 + Math.sqrt(n.size || 0) * 2, color: colour});
    });
    data.edges.forEach(function (e) {
      if (!graph.hasEdge(e[0], e[1])) { graph.addEdge(e[0], e[1], {color: "#b8b8b8", size: 1}); }
    });
    box.classList.add("is-drawn");
    var renderer = new Sigma(graph, box, {labelRenderedSizeThreshold: 8, renderEdgeLabels: false});
    window.commonGroundNetwork = renderer;
    renderer.on("clickNode", function (event) {
      var url = graph.getNodeAttribute(event.node, "url");
      if (url) { window.location.assign(url); }
    });
    var camera = renderer.getCamera();
    box.addEventListener("keydown", function (event) {
      var state = camera.getState();
      var step = 0.1 * state.ratio;
      var moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step]};
      if (event.key === "+" || event.key === "=") { camera.animatedZoom({duration: 200}); }
      else if (event.key === "-") { camera.animatedUnzoom({duration: 200}); }
      else if (event.key === "0") { camera.animatedReset({duration: 200}); }
      else if (moves[event.key]) {
        camera.setState({x: state.x + moves[event.key][0], y: state.y + moves[event.key][1]});
      } else { return; }
      event.preventDefault();
    });
    // The sentence comes translated from the page, with placeholders for the figures.
    say(box.getAttribute("data-label-drawn").replace("{name}", box.getAttribute("aria-label"))
      .replace("{nodes}", graph.order).replace("{links}", graph.size));
  }

  function svg(name, attrs, parent) {
    var el = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(el); }
    return el;
  }

  function drawMap(box, links) {
    var d3 = window.d3;
    if (!d3 || !d3.geoPath || !window.topojson) { return Promise.resolve(); }
    return fetchJSON(box.getAttribute("data-atlas")).then(function (world) {
      var width = 960, height = 500;
      var land = window.topojson.feature(world, world.objects.countries);
      var projection = d3.geoNaturalEarth1().fitSize([width, height], {type: "Sphere"});
      var path = d3.geoPath(projection);
      var root = svg("svg", {viewBox: "0 0 " + width + " " + height, role: "img", focusable: "false",
                             "aria-labelledby": "map-title", "class": "map"});
      var title = svg("title", {id: "map-title"}, root);
      title.textContent = box.getAttribute("aria-label");
      svg("path", {d: path({type: "Sphere"}), "class": "sphere"}, root);
      var countries = svg("g", {"class": "countries"}, root);
      land.features.forEach(function (f) { svg("path", {d: path(f) || "", "class": "country"}, countries); });
      var arcs = svg("g", {"class": "links"}, root);
      links.forEach(function (l) {
        if (!l.from || !l.to) { return; }
        var line = {type: "LineString", coordinates: [l.from, l.to]};
        svg("path", {d: path(line) || "", "class": "link link-" + l.status, stroke: STATUS_COLOURS[l.status] || "#555"}, arcs);
      });
      var towns = svg("g", {"class": "towns"}, root);
      var seen = {};
      links.forEach(function (l) {
        [[l.from, "member"], [l.to, "partner"]].forEach(function (end) {
          if (!end[0]) { return; }
          var key = end[0].join(",");
          if (seen[key]) { return; }
          seen[key] = true;
          var p = projection(end[0]);
          if (p) { svg("circle", {cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: end[1] === "member" ? 2.5 : 2, "class": "town town-" + end[1]}, towns); }
        });
      });
      box.appendChild(root);
      box.classList.add("is-drawn");
    });
  }

  function start() {
    var drawing = document.getElementById("network-drawing");
    var map = document.getElementById("network-map");
    var source = (drawing || map);
    if (!source) { return; }
    fetchJSON(jsonUrl(source.getAttribute("data-src"))).then(function (page) {
      if (drawing) {
        try { drawNetwork(drawing, page.drawing); } catch (err) { drawing.classList.add("is-unavailable"); }
      }
      if (map) { return drawMap(map, page.map.links); }
    }).catch(function () {
      [drawing, map].forEach(function (el) { if (el) { el.classList.add("is-unavailable"); } });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
