/*
 * Common Ground: the interactive graph view on node pages and on the path finder.
 *
 * Progressive enhancement of <div id="graph-view" data-src data-center data-label-*>.
 * Without JavaScript, or when cytoscape is missing or the data cannot be fetched, the
 * page keeps its list of connections (or its text paths), which hold the same information.
 *
 * - Twin towns appear as partner towns, linked by their partnership (an edge labelled with
 *   its name); a checkbox shows partnerships as nodes instead.
 * - Tapping a node selects it and expands it: at most STEP neighbours are added at a time,
 *   and a "Show N more" button adds the next ones.
 * - Full labels appear on hover and on keyboard focus: the canvas takes focus, arrow keys
 *   move between nodes, Enter expands the focused node.
 * - Checkboxes filter by relationship type and by kind of node.
 * - data-mode="paths": data-src is the path finder's JSON; its "graph" is drawn and its
 *   paths highlighted.
 * - Fit, Zoom in and Zoom out are real buttons; a polite live region announces changes.
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
  // How many neighbours the first view and each expansion add; the rest wait behind "Show N more".
  var FIRST = 40;
  var STEP = 12;
  var PARTNER_IN = "PARTNER_IN";

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

  function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
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

  // grow: how much larger than their base size labels are drawn (the view shrinks to fit a hub).
  function style(grow) {
    grow = grow || 1;
    return [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          "label": "data(label)",
          "color": "#1d2733",
          "font-size": 11 * grow,
          "min-zoomed-font-size": 10,
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
        selector: "node[kind = 'Partnership']",
        style: { "shape": "diamond" }
      },
      {
        selector: "node.center",
        style: { "width": 36, "height": 36, "font-size": 13 * grow, "font-weight": "bold", "border-color": "#1d2733", "border-width": 3 }
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
        // The whole name, on hover and on keyboard focus.
        selector: "node.full-label",
        style: {
          "text-wrap": "wrap", "text-max-width": 320, "z-index": 20, "font-size": 12 * grow,
          "text-background-opacity": 1, "text-border-width": 1, "text-border-color": "#4a5663",
          "text-border-opacity": 1
        }
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
          "font-size": 9 * grow,
          "color": "#4a5663",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.9,
          "text-background-padding": 1
        }
      },
      {
        // A partnership drawn as the link between its towns: no direction, the partnership's colour.
        selector: "edge.twin",
        style: { "line-color": KIND_COLOURS.Partnership, "target-arrow-shape": "none", "width": 2 }
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
      },
      {
        selector: "edge.twin.near",
        style: { "line-color": KIND_COLOURS.Partnership, "width": 3 }
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
      canvas: data.labelCanvas || "",
      kinds: data.labelKinds || "Show kinds",
      partnerships: data.labelPartnerships || "Show partnerships as nodes",
      more: data.labelMore || "Show {n} more",
      keys: data.labelKeys || ""
    };
    this.types = {};        // relationship type -> {label, checkbox}
    this.kinds = {};        // node kind -> checkbox
    this.expanded = {};     // node id -> true once its neighbourhood is merged
    this.loading = {};      // node id -> pending promise
    this.pending = {};      // node id -> neighbours fetched but not shown yet ({id, via} in order)
    this.known = {};        // node id -> its data, whether drawn or not
    this.knownEdges = {};   // edge id -> its data, drawn once both ends are
    this.twins = {};        // partnership id -> its member towns
    this.focused = null;    // the node the keyboard is on
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
    var partnershipBox = el("input", { type: "checkbox", id: "graph-partnerships" });
    var partnershipItem = el("div", { className: "graph-check graph-partnerships" });
    partnershipItem.appendChild(partnershipBox);
    partnershipItem.appendChild(el("label", { "for": "graph-partnerships" }, labels.partnerships));
    toolbar.appendChild(partnershipItem);
    // A path through a partnership must show it: on the path finder, partnerships start as nodes.
    partnershipBox.checked = this.mode === "paths";

    var body = el("div", { className: "graph-body" });
    var canvasLabel = labels.canvas || (this.headingText() + ": " + centerLabel);
    var keysHint = el("p", { className: "graph-keys", id: "graph-keys" }, labels.keys);
    var canvas = el("div", {
      className: "graph-canvas", role: "application", tabindex: "0",
      "aria-label": canvasLabel, "aria-describedby": "graph-keys"
    });
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

    var more = el("button", { type: "button", className: "graph-more", hidden: "" });

    var kindFilter = el("fieldset", { className: "graph-kinds" });
    kindFilter.appendChild(el("legend", {}, labels.kinds));
    var legend = el("ul", { className: "graph-legend" });
    kindFilter.appendChild(legend);

    side.appendChild(selected);
    side.appendChild(more);
    side.appendChild(filter);
    body.appendChild(canvas);
    body.appendChild(side);

    var status = el("p", { className: "graph-status", "aria-live": "polite" });
    var truncated = el("p", { className: "graph-truncated", hidden: "" }, labels.truncated);

    container.appendChild(toolbar);
    container.appendChild(keysHint);
    container.appendChild(body);
    container.appendChild(kindFilter);
    container.appendChild(truncated);
    container.appendChild(status);
    container.classList.add("ready");

    this.typeList = typeList;
    this.allBox = allBox;
    this.legend = legend;
    this.partnershipBox = partnershipBox;
    this.selectedBox = selected;
    this.selectedKind = selectedKind;
    this.selectedLink = selectedLink;
    this.moreButton = more;
    this.status = status;
    this.truncatedNote = truncated;
    this.canvas = canvas;

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
    // A hub's neighbourhood fits at half size or less, which drew labels at about 6 px. Labels grow
    // as the view shrinks (up to three times their size) so that they stay readable; below that, they are
    // left out (min-zoomed-font-size) and show on hover, focus or zooming in.
    var grown = 1;
    var readable = function () {
      var grow = Math.ceil(Math.min(3, Math.max(1, 1 / cy.zoom())) * 10) / 10;
      if (grow !== grown) {
        grown = grow;
        cy.style(style(grow));
      }
    };
    cy.on("zoom", readable);

    this.learn(graph);
    this.show(graph.center, this.unitsOf(graph), FIRST);
    this.expanded[graph.center] = true;
    cy.getElementById(graph.center).addClass("center expanded");
    if (graph.paths) {
      this.highlightPaths(graph.paths, graph.ends);
      this.layoutPaths();
    } else {
      this.layoutFirst();
    }
    this.updateMore();
    readable();

    fit.addEventListener("click", function () { self.fitVisible(false); });
    zoomIn.addEventListener("click", function () { self.zoomBy(ZOOM_STEP); });
    zoomOut.addEventListener("click", function () { self.zoomBy(1 / ZOOM_STEP); });
    more.addEventListener("click", function () { self.showMore(self.current()); });
    partnershipBox.addEventListener("change", function () {
      self.placePartnerships();
      self.applyFilter();
    });
    allBox.addEventListener("change", function () {
      Object.keys(self.types).forEach(function (type) {
        self.types[type].checkbox.checked = allBox.checked;
      });
      self.applyFilter();
    });
    canvas.addEventListener("keydown", function (event) { self.onKey(event); });

    cy.on("tap", "node", function (event) {
      var node = event.target;
      self.select(node);
      self.expand(node.id());
    });
    cy.on("tap", "edge.twin", function (event) {
      self.select(event.target);
    });
    cy.on("dbltap", "node", function (event) {
      window.location.assign(event.target.data("url"));
    });
    cy.on("tap", function (event) {
      if (event.target === cy) {
        self.select(null);
      }
    });
    cy.on("mouseover", "node", function (event) { event.target.addClass("full-label"); });
    cy.on("mouseout", "node", function (event) {
      if (event.target !== self.focused) {
        event.target.removeClass("full-label");
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

  /* Remember the nodes, edges and twinnings of a fetched neighbourhood, drawn or not. */
  GraphView.prototype.learn = function (graph) {
    var self = this;
    graph.nodes.forEach(function (n) { self.known[n.id] = n; });
    graph.edges.forEach(function (e) {
      var id = e.source + "|" + e.type + "|" + e.target;
      self.knownEdges[id] = { id: id, source: e.source, target: e.target, type: e.type, label: e.label };
    });
    (graph.twins || []).forEach(function (t) { self.twins[t.partnership] = t.towns; });
    if (graph.truncated && this.labels.truncated) {
      this.truncatedNote.hidden = false;
    }
  };

  /* The neighbours a fetched neighbourhood offers, best first, as {id, via} (via: a partnership). */
  GraphView.prototype.unitsOf = function (graph) {
    if (graph.neighbours) {
      return graph.neighbours;
    }
    return graph.nodes.filter(function (n) { return n.id !== graph.center; })
      .map(function (n) { return { id: n.id, via: null }; });
  };

  /*
   * Draw up to `count` of `units` that are not drawn yet, with the edges among everything drawn;
   * keep the rest as `around`'s pending neighbours.  Return the nodes added.
   */
  GraphView.prototype.show = function (around, units, count) {
    var self = this;
    var cy = this.cy;
    var fresh = units.filter(function (u) {
      return cy.getElementById(u.id).empty() || (u.via && cy.getElementById(u.via).empty());
    });
    var now = fresh.slice(0, count);
    this.pending[around] = fresh.slice(count);
    var ids = [];
    if (cy.getElementById(around).empty() && this.known[around]) {
      ids.push(around);
    }
    now.forEach(function (u) {
      ids.push(u.id);
      if (u.via && cy.getElementById(u.via).empty()) {
        ids.push(u.via);
      }
    });
    var seen = {};
    var nodes = ids.filter(function (id) {
      var first = !seen[id] && self.known[id];
      seen[id] = true;
      return first;
    }).map(function (id) {
      var n = self.known[id];
      self.addKind(n);
      return {
        group: "nodes",
        data: {
          id: n.id, label: n.label, kind: n.kind, kindLabel: n.kind_label, url: n.url,
          graphUrl: n.graph_url, colour: colourOf(n)
        }
      };
    });
    var added = cy.add(nodes);
    this.addEdges();
    this.applyFilter();
    return added.nodes();
  };

  /* Draw every known edge whose ends are both drawn, and a link for each partnership between its towns. */
  GraphView.prototype.addEdges = function () {
    var self = this;
    var cy = this.cy;
    var edges = [];
    Object.keys(this.knownEdges).forEach(function (id) {
      var e = self.knownEdges[id];
      if (cy.getElementById(id).empty() && !cy.getElementById(e.source).empty() && !cy.getElementById(e.target).empty()) {
        edges.push({ group: "edges", data: e });
        self.addType(e.type, e.label);
      }
    });
    Object.keys(this.twins).forEach(function (partnership) {
      var p = self.known[partnership];
      var towns = self.twins[partnership].filter(function (t) { return !cy.getElementById(t).empty(); });
      for (var i = 0; i < towns.length; i++) {
        for (var j = i + 1; j < towns.length; j++) {
          var id = "twin|" + partnership + "|" + towns[i] + "|" + towns[j];
          if (p && cy.getElementById(id).empty()) {
            edges.push({
              group: "edges", classes: "twin",
              data: {
                id: id, source: towns[i], target: towns[j], type: PARTNER_IN, label: p.label,
                partnership: partnership, url: p.url, kindLabel: p.kind_label, twin: true
              }
            });
          }
        }
      }
    });
    cy.add(edges);
  };

  /* A partnership drawn as a link: in partner-town view, one that is not the centre and joins drawn towns. */
  GraphView.prototype.isLink = function (node) {
    if (this.partnershipBox.checked || node.data("kind") !== "Partnership" || node.id() === this.centerId) {
      return false;
    }
    var towns = this.twins[node.id()] || [];
    var cy = this.cy;
    return towns.filter(function (t) { return !cy.getElementById(t).empty(); }).length >= 2;
  };

  GraphView.prototype.addType = function (type, label) {
    if (this.types[type]) {
      return;
    }
    var self = this;
    var id = "graph-type-" + slug(type);
    var box = el("input", { type: "checkbox", id: id, value: type });
    // A new type is shown unless the reader has switched every type off.
    var noneShown = Object.keys(this.types).length > 0 && !this.allBox.checked && !this.allBox.indeterminate;
    box.checked = !noneShown;
    var item = el("div", { className: "graph-check" });
    item.appendChild(box);
    item.appendChild(el("label", { "for": id }, label));
    box.addEventListener("change", function () { self.applyFilter(); });
    this.types[type] = { label: label, checkbox: box };
    insertSorted(this.typeList, item, label);
  };

  /* Keep checkboxes in alphabetical order of their (translated) labels. */
  function insertSorted(list, item, label) {
    var after = null;
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      if (items[i].textContent.localeCompare(label) > 0) {
        after = items[i];
        break;
      }
    }
    list.insertBefore(item, after);
  }

  /* A kind's entry in the legend, which is also its filter: a checkbox with the kind's colour. */
  GraphView.prototype.addKind = function (node) {
    if (this.kinds[node.kind]) {
      return;
    }
    var self = this;
    var id = "graph-kind-" + slug(node.kind);
    var item = el("li", { className: "graph-check" });
    var box = el("input", { type: "checkbox", id: id, value: node.kind, checked: "" });
    var swatch = el("span", { className: "graph-swatch", "aria-hidden": "true" });
    swatch.style.backgroundColor = KIND_COLOURS[node.kind] || colourOf(node);
    if (node.kind === "SDG") {
      swatch.classList.add("graph-swatch-sdg");
    }
    var label = el("label", { "for": id });
    label.appendChild(swatch);
    label.appendChild(document.createTextNode(node.kind_label));
    item.appendChild(box);
    item.appendChild(label);
    box.addEventListener("change", function () { self.applyFilter(); });
    this.kinds[node.kind] = box;
    insertSorted(this.legend, item, node.kind_label);
  };

  /*
   * Decide what is visible: partnerships drawn as links hide their node and its PARTNER_IN edges;
   * unchecked kinds and relationship types hide their nodes and edges; a node left with no
   * visible edge hides too, unless it was expanded (the centre always stays).
   */
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
    var asNodes = this.partnershipBox.checked;
    cy.batch(function () {
      var hidden = {};
      cy.nodes().forEach(function (node) {
        var kind = self.kinds[node.data("kind")];
        var off = node.id() !== self.centerId && ((kind && !kind.checked) || self.isLink(node));
        hidden[node.id()] = off;
      });
      cy.edges().forEach(function (edge) {
        var visible = shown[edge.data("type")] !== false &&
          !hidden[edge.data("source")] && !hidden[edge.data("target")] &&
          (edge.data("twin") ? !asNodes && !(self.kinds.Partnership && !self.kinds.Partnership.checked) : true);
        edge.toggleClass("filtered-out", !visible);
      });
      cy.nodes().forEach(function (node) {
        var keep = !hidden[node.id()] && (self.expanded[node.id()] || node.connectedEdges().some(function (e) {
          return !e.hasClass("filtered-out");
        }));
        node.toggleClass("filtered-out", !keep);
      });
    });
    this.container.dataset.visibleEdges = String(cy.edges().not(".filtered-out").length);
    this.container.dataset.visibleNodes = String(cy.nodes().not(".filtered-out").length);
  };

  /* Put partnerships that become nodes halfway between their towns (they had no place as links). */
  GraphView.prototype.placePartnerships = function () {
    var self = this;
    var cy = this.cy;
    cy.nodes("[kind = 'Partnership']").forEach(function (node) {
      var towns = (self.twins[node.id()] || []).map(function (t) { return cy.getElementById(t); })
        .filter(function (t) { return !t.empty(); });
      if (towns.length >= 2 && node.hasClass("filtered-out")) {
        var a = towns[0].position();
        var b = towns[1].position();
        node.position({ x: (a.x + b.x) / 2 + 12, y: (a.y + b.y) / 2 + 12 });
      }
    });
  };

  /* Select a node or a partnership link: show what it is, with a link to its page. */
  GraphView.prototype.select = function (element) {
    var cy = this.cy;
    cy.edges().removeClass("near");
    if (!element) {
      this.selectedBox.hidden = true;
      cy.elements().unselect();
      this.updateMore();
      return;
    }
    cy.elements().unselect();
    element.select();
    if (element.isNode()) {
      element.connectedEdges().addClass("near");
    } else {
      element.addClass("near");
    }
    this.selectedKind.textContent = element.data("kindLabel");
    this.selectedLink.textContent = this.labels.open + ": " + element.data("label");
    this.selectedLink.setAttribute("href", element.data("url"));
    this.selectedBox.hidden = false;
    this.updateMore();
  };

  /* The node whose pending neighbours "Show N more" adds: the selected node, else the centre. */
  GraphView.prototype.current = function () {
    var picked = this.cy.nodes(":selected");
    return picked.length ? picked[0].id() : this.centerId;
  };

  GraphView.prototype.updateMore = function () {
    var id = this.current();
    var left = (this.pending[id] || []).length;
    var node = this.cy.getElementById(id);
    this.moreButton.hidden = left === 0;
    if (left) {
      this.moreButton.textContent = this.labels.more.replace("{n}", String(Math.min(left, STEP))) +
        " (" + node.data("label") + ")";
    }
    this.container.dataset.pending = String(left);
  };

  GraphView.prototype.showMore = function (id) {
    var node = this.cy.getElementById(id);
    var fresh = this.show(id, this.pending[id] || [], STEP);
    if (fresh.length) {
      this.layoutAround(node, fresh);
    }
    this.updateMore();
    this.announce(this.labels.expanded + ": " + node.data("label") + " (+" + fresh.length + ")");
    return fresh.length;
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
      self.learn(graph);
      self.expanded[id] = true;
      var fresh = self.show(id, self.unitsOf(graph), STEP);
      var count = fresh.length;
      node.addClass("expanded");
      self.applyFilter();
      if (count) {
        self.layoutAround(node, fresh);
      }
      self.updateMore();
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

  /* Keyboard: arrows move between visible nodes (around the centre), Enter expands, Home goes back. */
  GraphView.prototype.onKey = function (event) {
    var cy = this.cy;
    var nodes = this.keyOrder();
    if (!nodes.length) {
      return;
    }
    var index = this.focused ? nodes.indexOf(this.focused) : -1;
    var next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") {
      next = nodes[(index + 1) % nodes.length];
    } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
      next = nodes[(index - 1 + nodes.length) % nodes.length];
    } else if (event.key === "Home") {
      next = cy.getElementById(this.centerId);
    } else if ((event.key === "Enter" || event.key === " ") && this.focused) {
      event.preventDefault();
      if (this.expanded[this.focused.id()] && (this.pending[this.focused.id()] || []).length) {
        this.showMore(this.focused.id());
      } else {
        this.expand(this.focused.id());
      }
      return;
    } else {
      return;
    }
    event.preventDefault();
    this.focus(next);
  };

  /* Visible nodes in reading order for the keyboard: the centre, then clockwise around it. */
  GraphView.prototype.keyOrder = function () {
    var center = this.cy.getElementById(this.centerId);
    var origin = center.position();
    var visible = this.cy.nodes().not(".filtered-out").toArray();
    function angle(n) {
      var p = n.position();
      var a = Math.atan2(p.y - origin.y, p.x - origin.x) + Math.PI / 2;
      return a < 0 ? a + 2 * Math.PI : a;
    }
    return visible.sort(function (a, b) {
      if (a === center || b === center) {
        return a === center ? -1 : 1;
      }
      return angle(a) - angle(b) || a.id().localeCompare(b.id());
    });
  };

  GraphView.prototype.focus = function (node) {
    if (this.focused) {
      this.focused.removeClass("full-label");
    }
    this.focused = node;
    node.addClass("full-label");
    this.select(node);
    var box = node.renderedBoundingBox();
    var cy = this.cy;
    if (box.x1 < 0 || box.y1 < 0 || box.x2 > cy.width() || box.y2 > cy.height()) {
      cy.center(node);
    }
    this.container.dataset.focused = node.id();
    this.announce(node.data("label") + " (" + node.data("kindLabel") + ")");
  };

  GraphView.prototype.announce = function (message) {
    // Clear first so that the same message twice is announced twice.
    var status = this.status;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  };

  /* Put the centre in the middle and its visible neighbours on rings around it, grouped by kind. */
  GraphView.prototype.layoutFirst = function () {
    var cy = this.cy;
    var centerId = this.centerId;
    var ring = {};
    var visible = cy.nodes().not(".filtered-out");
    var others = visible.filter(function (n) { return n.id() !== centerId; })
      .sort(function (a, b) {
        return a.data("kindLabel").localeCompare(b.data("kindLabel")) || a.data("label").localeCompare(b.data("label"));
      });
    // Rings of 16, 24, 32 ... nodes, so that a large neighbourhood stays readable.
    var index = 0;
    var level = 0;
    var capacity = 16;
    var order = {};
    others.forEach(function (n, i) {
      if (index >= capacity) {
        index = 0;
        level += 1;
        capacity += 8;
      }
      ring[n.id()] = level;
      order[n.id()] = i;
      index += 1;
    });
    visible.layout({
      name: "concentric",
      concentric: function (n) { return n.id() === centerId ? 1000 : 999 - ring[n.id()]; },
      levelWidth: function () { return 1; },
      sort: function (a, b) { return (order[a.id()] || 0) - (order[b.id()] || 0); },
      minNodeSpacing: 72,
      startAngle: 3 / 2 * Math.PI,
      animate: false,
      padding: 24
    }).run();
    this.placePartnerships();
  };

  /*
   * Put the nodes that expanding `around` brought in on an arc around it, facing away from
   * the rest of the graph, so that nothing already drawn moves; then fit the view.
   */
  GraphView.prototype.layoutAround = function (around, added) {
    var cy = this.cy;
    var fresh = added.not(".filtered-out");
    var origin = around.position();
    var rest = cy.nodes().not(added).not(around).not(".filtered-out");
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
    this.placePartnerships();
    // Show the expansion itself; the Fit button brings the whole graph back into view.
    this.fitVisible(true, around.closedNeighborhood().union(fresh));
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
    cy.elements().not(".filtered-out").layout({
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
