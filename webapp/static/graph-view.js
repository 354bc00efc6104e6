/*
 * Common Ground: the interactive graph view on node pages.
 *
 * Progressive enhancement of <div id="graph-view" data-src data-center data-label-*>.
 * Without JavaScript, or when cytoscape is missing or the data cannot be fetched, the
 * page keeps its list of connections, which holds the same information.
 *
 * - Tapping a node selects it and expands it (its neighbours are fetched and merged).
 * - The selected node's page opens through the "Open page" link, or by double-tapping it.
 * - Checkboxes built from the relationship types present show or hide edges of each type.
 * - Fit, Zoom in and Zoom out are real buttons; a polite live region announces expansions.
 *
 * The Content-Security-Policy forbids inline scripts and style attributes in markup; this
 * file adds none (cytoscape and the legend swatches style elements through the CSSOM).
 * The cytoscape instance is exposed as window.commonGroundGraph for tests and the console.
 */
(function () {
  "use strict";

  // One colour per kind, each at least 3:1 against white (WCAG non-text contrast).
  var KIND_COLOURS = {
    Municipality: "#0b5d7a",
    Partnership: "#7b3fa0",
    Organisation: "#a0522d",
    SDG: "#3f7e44",
    SDGTarget: "#5b7f3a",
    Theme: "#b3261e",
    Project: "#1f6fd1",
    Risk: "#c2185b",
    Lesson: "#8a6d00",
    Challenge: "#d1495b",
    Opportunity: "#2e7d6b",
    PracticalExperience: "#6d4c41",
    Phase: "#5c6bc0",
    Event: "#ad5a00",
    Tool: "#00838f",
    Objective: "#6a1b9a",
    Source: "#546e7a"
  };
  var FALLBACK_COLOUR = "#4a5663";
  var FOCUS = "#c2410c";
  var ZOOM_STEP = 1.25;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") {
        node.className = attrs[key];
      } else {
        node.setAttribute(key, attrs[key]);
      }
    });
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function colourOf(node) {
    return node.colour || KIND_COLOURS[node.kind] || FALLBACK_COLOUR;
  }

  /*
   * Cytoscape inserts a <style> element (".__________cytoscape_container { position: relative; }")
   * unless an element with its id exists; the CSP blocks inline <style>, so mark it as present:
   * style.css carries the same rule.
   */
  function preventInlineStylesheet() {
    var id = "__________cytoscape_stylesheet";
    if (!document.getElementById(id)) {
      document.head.appendChild(el("meta", { id: id, name: "cytoscape-stylesheet", content: "style.css" }));
    }
  }

  function fetchGraph(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status + " for " + url);
        }
        return response.json();
      });
  }

  function style() {
    return [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          "label": "data(label)",
          "color": "#1d2733",
          "font-size": 11,
          "font-family": "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif",
          "text-valign": "bottom",
          "text-halign": "center",
          "text-margin-y": 4,
          "text-wrap": "ellipsis",
          "text-max-width": 130,
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": 2,
          "text-background-shape": "roundrectangle",
          "width": 22,
          "height": 22,
          "border-width": 2,
          "border-color": "#ffffff"
        }
      },
      {
        selector: "node[kind = 'SDG']",
        style: { "shape": "round-rectangle" }
      },
      {
        selector: "node.center",
        style: { "width": 36, "height": 36, "font-size": 13, "font-weight": "bold", "border-color": "#1d2733", "border-width": 3 }
      },
      {
        selector: "node.expanded",
        style: { "border-color": "#1d2733", "border-width": 3 }
      },
      {
        selector: "node:selected",
        style: { "border-color": FOCUS, "border-width": 4, "z-index": 10 }
      },
      {
        selector: "node.filtered-out, edge.filtered-out",
        style: { "display": "none" }
      },
      {
        selector: "edge",
        style: {
          "width": 1.5,
          "line-color": "#9aa5b1",
          "target-arrow-color": "#9aa5b1",
          "target-arrow-shape": "triangle",
          "arrow-scale": 0.8,
          "curve-style": "bezier",
          "font-size": 9,
          "color": "#4a5663",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.9,
          "text-background-padding": 1
        }
      },
      {
        selector: "node.path",
        style: { "border-color": FOCUS, "border-width": 3 }
      },
      {
        selector: "node.path-end",
        style: { "width": 32, "height": 32, "font-weight": "bold", "border-width": 4 }
      },
      {
        selector: "edge.path",
        style: { "label": "data(label)", "line-color": FOCUS, "target-arrow-color": FOCUS, "width": 3 }
      },
      {
        selector: "edge.near",
        style: { "label": "data(label)", "line-color": "#4a5663", "target-arrow-color": "#4a5663", "width": 2 }
      }
    ];
  }

  function GraphView(container, cytoscape) {
    var data = container.dataset;
    this.container = container;
    this.cytoscape = cytoscape;
    this.src = data.src;
    this.centerId = data.center;
    // "paths": data-src is the path finder's JSON, whose "graph" holds the paths to draw and highlight.
    this.mode = data.mode || "ego";
    this.labels = {
      fit: data.labelFit || "Fit",
      zoomIn: data.labelZoomIn || "Zoom in",
      zoomOut: data.labelZoomOut || "Zoom out",
      filter: data.labelFilter || "Show relationships",
      all: data.labelAll || "All",
      expanded: data.labelExpanded || "Expanded",
      open: data.labelOpen || "Open page",
      truncated: data.labelTruncated || "",
      canvas: data.labelCanvas || ""
    };
    this.types = {};        // relationship type -> {label, checkbox}
    this.kinds = {};        // node kind -> legend item
    this.expanded = {};     // node id -> true once its neighbourhood is merged
    this.loading = {};      // node id -> pending promise
    this.cy = null;
  }

  GraphView.prototype.start = function () {
    var self = this;
    return fetchGraph(this.src).then(function (data) {
      var graph = self.mode === "paths" ? data.graph : data;
      if (!graph || !graph.nodes) {
        throw new Error("no graph in " + self.src);
      }
      self.build(graph);
      return self;
    });
  };

  GraphView.prototype.build = function (graph) {
    var self = this;
    var labels = this.labels;
    var container = this.container;
    var center = graph.nodes.filter(function (n) { return n.id === graph.center; })[0];
    var centerLabel = center ? center.label : graph.center;

    container.textContent = "";

    var toolbar = el("div", { className: "graph-toolbar" });
    var fit = el("button", { type: "button", className: "graph-fit" }, labels.fit);
    var zoomIn = el("button", { type: "button", className: "graph-zoom-in" }, labels.zoomIn);
    var zoomOut = el("button", { type: "button", className: "graph-zoom-out" }, labels.zoomOut);
    toolbar.appendChild(fit);
    toolbar.appendChild(zoomIn);
    toolbar.appendChild(zoomOut);

    var body = el("div", { className: "graph-body" });
    var canvasLabel = labels.canvas || (this.headingText() + ": " + centerLabel);
    var canvas = el("div", { className: "graph-canvas", role: "img", "aria-label": canvasLabel });
    var side = el("div", { className: "graph-side" });

    var filter = el("fieldset", { className: "graph-filter" });
    filter.appendChild(el("legend", {}, labels.filter));
    var allId = "graph-type-all";
    var allBox = el("input", { type: "checkbox", id: allId, checked: "" });
    var allItem = el("div", { className: "graph-check graph-check-all" });
    allItem.appendChild(allBox);
    allItem.appendChild(el("label", { "for": allId }, labels.all));
    filter.appendChild(allItem);
    var typeList = el("div", { className: "graph-types" });
    filter.appendChild(typeList);

    var selected = el("div", { className: "graph-selected", hidden: "" });
    var selectedKind = el("p", { className: "graph-selected-kind" });
    var selectedLink = el("a", { className: "graph-open" });
    selected.appendChild(selectedKind);
    selected.appendChild(selectedLink);

    var legend = el("ul", { className: "graph-legend" });

    side.appendChild(selected);
    side.appendChild(filter);
    body.appendChild(canvas);
    body.appendChild(side);

    var status = el("p", { className: "graph-status", "aria-live": "polite" });
    var truncated = el("p", { className: "graph-truncated", hidden: "" }, labels.truncated);

    container.appendChild(toolbar);
    container.appendChild(body);
    container.appendChild(legend);
    container.appendChild(truncated);
    container.appendChild(status);
    container.classList.add("ready");

    this.typeList = typeList;
    this.allBox = allBox;
    this.legend = legend;
    this.selectedBox = selected;
    this.selectedKind = selectedKind;
    this.selectedLink = selectedLink;
    this.status = status;
    this.truncatedNote = truncated;

    preventInlineStylesheet();
    var cy = this.cy = this.cytoscape({
      container: canvas,
      style: style(),
      minZoom: 0.15,
      maxZoom: 4,
      boxSelectionEnabled: false,
      selectionType: "single"
    });
    window.commonGroundGraph = cy;

    this.merge(graph);
    this.expanded[graph.center] = true;
    cy.getElementById(graph.center).addClass("center expanded");
    if (graph.paths) {
      this.highlightPaths(graph.paths, graph.ends);
      this.layoutPaths();
    } else {
      this.layoutFirst();
    }

    fit.addEventListener("click", function () { self.fitVisible(false); });
    zoomIn.addEventListener("click", function () { self.zoomBy(ZOOM_STEP); });
    zoomOut.addEventListener("click", function () { self.zoomBy(1 / ZOOM_STEP); });
    allBox.addEventListener("change", function () {
      Object.keys(self.types).forEach(function (type) {
        self.types[type].checkbox.checked = allBox.checked;
      });
      self.applyFilter();
    });

    cy.on("tap", "node", function (event) {
      var node = event.target;
      self.select(node);
      self.expand(node.id());
    });
    cy.on("dbltap", "node", function (event) {
      window.location.assign(event.target.data("url"));
    });
    cy.on("tap", function (event) {
      if (event.target === cy) {
        self.select(null);
      }
    });
    container.dataset.state = "ready";
  };

  GraphView.prototype.headingText = function () {
    var heading = document.getElementById("connections-heading");
    return heading ? heading.textContent.trim() : "";
  };

  GraphView.prototype.zoomBy = function (factor) {
    var cy = this.cy;
    var level = Math.max(cy.minZoom(), Math.min(cy.maxZoom(), cy.zoom() * factor));
    cy.zoom({ level: level, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  };

  /* Add the nodes and edges of `graph` that are not there yet; return the new nodes. */
  GraphView.prototype.merge = function (graph) {
    var self = this;
    var cy = this.cy;
    var fresh = graph.nodes.filter(function (n) { return cy.getElementById(n.id).empty(); });
    // Kind, then name: nodes of one colour end up side by side on each ring.
    fresh.sort(function (a, b) {
      return a.kind_label.localeCompare(b.kind_label) || a.label.localeCompare(b.label);
    });
    var added = fresh.map(function (n) {
      return {
        group: "nodes",
        data: {
          id: n.id, label: n.label, kind: n.kind, kindLabel: n.kind_label, url: n.url,
          graphUrl: n.graph_url, colour: colourOf(n)
        }
      };
    });
    graph.edges.forEach(function (e) {
      var id = e.source + "|" + e.type + "|" + e.target;
      if (cy.getElementById(id).empty()) {
        added.push({ group: "edges", data: { id: id, source: e.source, target: e.target, type: e.type, label: e.label } });
      }
      self.addType(e.type, e.label);
    });
    graph.nodes.forEach(function (n) { self.addKind(n); });
    var elements = cy.add(added);
    if (graph.truncated && this.labels.truncated) {
      this.truncatedNote.hidden = false;
    }
    this.applyFilter();
    return elements.nodes();
  };

  GraphView.prototype.addType = function (type, label) {
    if (this.types[type]) {
      return;
    }
    var self = this;
    var id = "graph-type-" + type.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    var box = el("input", { type: "checkbox", id: id, value: type });
    // A new type is shown unless the reader has switched every type off.
    var noneShown = Object.keys(this.types).length > 0 && !this.allBox.checked && !this.allBox.indeterminate;
    box.checked = !noneShown;
    var item = el("div", { className: "graph-check" });
    item.appendChild(box);
    item.appendChild(el("label", { "for": id }, label));
    box.addEventListener("change", function () { self.applyFilter(); });
    this.types[type] = { label: label, checkbox: box };
    // Keep the checkboxes in alphabetical order of their (translated) labels.
    var after = null;
    var items = this.typeList.children;
    for (var i = 0; i < items.length; i++) {
      if (items[i].textContent.localeCompare(label) > 0) {
        after = items[i];
        break;
      }
    }
    this.typeList.insertBefore(item, after);
  };

  GraphView.prototype.addKind = function (node) {
    if (this.kinds[node.kind]) {
      return;
    }
    var item = el("li", {});
    var swatch = el("span", { className: "graph-swatch", "aria-hidden": "true" });
    swatch.style.backgroundColor = node.kind === "SDG" ? KIND_COLOURS.SDG : colourOf(node);
    if (node.kind === "SDG") {
      swatch.classList.add("graph-swatch-sdg");
    }
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(node.kind_label));
    this.kinds[node.kind] = item;
    this.legend.appendChild(item);
  };

  /* Hide edges of unchecked types, and nodes left with no visible edge (except expanded ones). */
  GraphView.prototype.applyFilter = function () {
    var self = this;
    var cy = this.cy;
    if (!cy) {
      return;
    }
    var shown = {};
    var keys = Object.keys(this.types);
    keys.forEach(function (type) { shown[type] = self.types[type].checkbox.checked; });
    var checked = keys.filter(function (type) { return shown[type]; }).length;
    this.allBox.checked = checked === keys.length;
    this.allBox.indeterminate = checked > 0 && checked < keys.length;
    cy.batch(function () {
      cy.edges().forEach(function (edge) {
        edge.toggleClass("filtered-out", !shown[edge.data("type")]);
      });
      cy.nodes().forEach(function (node) {
        var keep = self.expanded[node.id()] || node.connectedEdges().some(function (e) {
          return shown[e.data("type")];
        });
        node.toggleClass("filtered-out", !keep);
      });
    });
    this.container.dataset.visibleEdges = String(cy.edges().not(".filtered-out").length);
  };

  GraphView.prototype.select = function (node) {
    var cy = this.cy;
    cy.edges().removeClass("near");
    if (!node) {
      this.selectedBox.hidden = true;
      return;
    }
    cy.nodes().unselect();
    node.select();
    node.connectedEdges().addClass("near");
    this.selectedKind.textContent = node.data("kindLabel");
    this.selectedLink.textContent = this.labels.open + ": " + node.data("label");
    this.selectedLink.setAttribute("href", node.data("url"));
    this.selectedBox.hidden = false;
  };

  GraphView.prototype.expand = function (id) {
    var self = this;
    if (this.expanded[id]) {
      return Promise.resolve(0);
    }
    if (this.loading[id]) {
      return this.loading[id];
    }
    var node = this.cy.getElementById(id);
    this.container.setAttribute("aria-busy", "true");
    var pending = fetchGraph(node.data("graphUrl")).then(function (graph) {
      var fresh = self.merge(graph);
      var count = fresh.length;
      self.expanded[id] = true;
      node.addClass("expanded");
      self.applyFilter();
      if (count) {
        self.layoutAround(node, fresh);
      }
      self.announce(self.labels.expanded + ": " + node.data("label") + " (+" + count + ")");
      return count;
    }).catch(function (error) {
      if (window.console) {
        window.console.warn("graph view: cannot expand " + id, error);
      }
      return 0;
    }).then(function (count) {
      delete self.loading[id];
      self.container.removeAttribute("aria-busy");
      return count;
    });
    this.loading[id] = pending;
    return pending;
  };

  GraphView.prototype.announce = function (message) {
    // Clear first so that the same message twice is announced twice.
    var status = this.status;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  };

  /* Put the centre in the middle and its neighbours on rings around it, grouped by kind. */
  GraphView.prototype.layoutFirst = function () {
    var cy = this.cy;
    var centerId = this.centerId;
    var ring = {};
    var others = cy.nodes().filter(function (n) { return n.id() !== centerId; });
    // Rings of 16, 24, 32 ... nodes, so that a large neighbourhood stays readable.
    var index = 0;
    var level = 0;
    var capacity = 16;
    others.forEach(function (n) {
      if (index >= capacity) {
        index = 0;
        level += 1;
        capacity += 8;
      }
      ring[n.id()] = level;
      index += 1;
    });
    cy.layout({
      name: "concentric",
      concentric: function (n) { return n.id() === centerId ? 1000 : 999 - ring[n.id()]; },
      levelWidth: function () { return 1; },
      minNodeSpacing: 72,
      startAngle: 3 / 2 * Math.PI,
      animate: false,
      padding: 24
    }).run();
  };

  /*
   * Put the nodes that expanding `around` brought in on an arc around it, facing away from
   * the rest of the graph, so that nothing already drawn moves; then fit the view.
   */
  GraphView.prototype.layoutAround = function (around, fresh) {
    var cy = this.cy;
    var origin = around.position();
    var rest = cy.nodes().not(fresh).not(around);
    var cx = 0;
    var cyy = 0;
    rest.forEach(function (n) { cx += n.position("x"); cyy += n.position("y"); });
    var count = fresh.length;
    var span = 2 * Math.PI;
    var facing = 0;
    if (rest.length) {
      cx /= rest.length;
      cyy /= rest.length;
      var dx = origin.x - cx;
      var dy = origin.y - cyy;
      if (Math.abs(dx) + Math.abs(dy) > 1) {
        facing = Math.atan2(dy, dx);
        span = Math.min(1.25 * Math.PI, Math.PI * 0.6 + count * 0.1);
      }
    }
    var step = span >= 2 * Math.PI ? span / Math.max(count, 1) : span / Math.max(count - 1, 1);
    var start = span >= 2 * Math.PI ? facing : facing - span / 2;
    // About 60 px of arc per node; with many nodes, they alternate over two or three rings.
    var rings = count > 24 ? 3 : count > 8 ? 2 : 1;
    var radius = Math.max(130, (count * 60) / span / rings);
    fresh.forEach(function (n, i) {
      var angle = count === 1 ? facing : start + i * step;
      var r = radius + (i % rings) * 60;
      n.position({ x: origin.x + r * Math.cos(angle), y: origin.y + r * Math.sin(angle) });
    });
    // Show the expansion itself; the Fit button brings the whole graph back into view.
    this.fitVisible(true, around.closedNeighborhood());
  };

  /* Mark every node and edge on a path, and both ends, so that the paths stand out. */
  GraphView.prototype.highlightPaths = function (paths, ends) {
    var cy = this.cy;
    cy.batch(function () {
      paths.forEach(function (path) {
        path.nodes.concat(path.edges).forEach(function (id) { cy.getElementById(id).addClass("path"); });
      });
      (ends || []).forEach(function (id) { cy.getElementById(id).addClass("path-end"); });
    });
    this.container.dataset.pathElements = String(cy.elements(".path").length);
  };

  /* Lay the paths out in columns by their distance from the start. */
  GraphView.prototype.layoutPaths = function () {
    var cy = this.cy;
    cy.layout({
      name: "breadthfirst",
      roots: cy.getElementById(this.centerId),
      directed: false,
      spacingFactor: 1.1,
      animate: false,
      padding: 24
    }).run();
  };

  GraphView.prototype.fitVisible = function (animated, elements) {
    var cy = this.cy;
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var visible = (elements || cy.elements()).not(".filtered-out");
    if (animated && !reduce) {
      cy.animate({ fit: { eles: visible, padding: 24 }, duration: 300 });
    } else {
      cy.fit(visible, 24);
    }
  };

  function init() {
    var container = document.getElementById("graph-view");
    if (!container || !container.dataset.src || typeof window.cytoscape !== "function") {
      return;
    }
    var view = new GraphView(container, window.cytoscape);
    view.start().catch(function (error) {
      container.dataset.state = "failed";
      if (window.console) {
        window.console.warn("graph view unavailable; the list of connections below holds the same data", error);
      }
    });
    window.commonGroundGraphView = view;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
