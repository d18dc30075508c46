"""Camunda Spin's JSON API for JavaScript (`S(...)`, `JSON(...)`), as JavaScript source run in each V8 context
before the script (js_engine.py): the same methods and errors as spin.py for JUEL, and the same JSONPath subset
as spin_path.py. It runs inside the sandbox, under its time and memory limits.

`JSON` stays the language's JSON object too (`JSON.parse`, `JSON.stringify`) and is also callable as Spin's
`JSON(x)`. A Spin node turns into its JSON value when it is stored (`toJSON`), so a Spin value set as a variable is
stored as its JSON value. `elements()` gives an array (with `length`) that also has the Java list's `size()`,
`get(i)`, `isEmpty()` and `contains(x)`, as Camunda's JavaScript sees Spin's list.
"""

SPIN_JS = r"""
(function (g) {
  var NJSON = g.JSON;
  var XML_REFUSED = "Spin XML is not supported here (no XML(), and S() reads JSON only): only Camunda Spin's " +
    "JSON API runs";
  function fail(msg) { return new Error("Spin: " + msg); }
  function Node(node) { this.__node = node; }
  function Query(root, path) { this.__root = root; this.__path = path; }
  function kind(n) {
    if (n === null || n === undefined) return "NULL";
    if (typeof n === "boolean") return "BOOLEAN";
    if (typeof n === "number") return "NUMBER";
    if (typeof n === "string") return "STRING";
    return Array.isArray(n) ? "ARRAY" : "OBJECT";
  }
  function isContainer(n) { return n !== null && typeof n === "object"; }
  function jsonOf(v) {
    if (v instanceof Node) return v.__node;
    if (v instanceof Query) throw fail("a jsonPath() query is not a JSON value: call element() on it first");
    if (v === undefined) return null;
    if (isContainer(v)) return NJSON.parse(NJSON.stringify(v));
    return v;
  }
  function same(a, b) {
    if (kind(a) !== kind(b)) return false;
    if (!isContainer(a)) return a === b || (a === null && b === null);
    var ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (var i = 0; i < ka.length; i++) {
      if (!Object.prototype.hasOwnProperty.call(b, ka[i]) || !same(a[ka[i]], b[ka[i]])) return false;
    }
    return true;
  }
  function contains(tree, target) {
    if (tree === target) return true;
    if (!isContainer(tree)) return false;
    for (var k in tree) { if (contains(tree[k], target)) return true; }
    return false;
  }
  function inserted(target, v) {  // shared as Jackson shares it, copied if it holds the target (no cycles)
    var n = jsonOf(v);
    return contains(n, target) ? NJSON.parse(NJSON.stringify(n)) : n;
  }
  function object(n, what) {
    if (kind(n) !== "OBJECT") throw fail(what + " needs a JSON object, not " + kind(n));
    return n;
  }
  function array(n, what) {
    if (!Array.isArray(n)) throw fail(what + " needs a JSON array, not " + kind(n));
    return n;
  }
  function typed(n, wanted) {
    if (kind(n) !== wanted) throw fail("Expected '" + wanted + "', got '" + kind(n) + "'");
    return n;
  }
  function index(items, v, last) {
    var search = jsonOf(v);
    for (var j = 0; j < items.length; j++) {
      var i = last ? items.length - 1 - j : j;
      if (same(items[i], search)) return i;
    }
    throw fail("Unable to find " + NJSON.stringify(search) + " in the array");
  }
  function position(items, i, extra) {
    if (typeof i !== "number" || i % 1 !== 0) throw fail("the index must be a whole number");
    var at = i < 0 ? i + items.length : i;
    if (at < 0 || at >= items.length + extra) {
      throw fail("index " + i + " is out of bounds for an array of size " + items.length);
    }
    return at;
  }
  function list(items) {
    var methods = {
      size: function () { return items.length; },
      get: function (i) { return items[position(items, i, 0)]; },
      isEmpty: function () { return items.length === 0; },
      contains: function (x) { return items.some(function (e) { return same(jsonOf(e), jsonOf(x)); }); }
    };
    for (var m in methods) { Object.defineProperty(items, m, {value: methods[m], enumerable: false}); }
    return items;
  }
  function insert(self, at, v) { var a = self.__node; a.splice(at, 0, inserted(a, v)); return self; }
  function removeAt(self, at) { self.__node.splice(at, 1); return self; }
  var P = Node.prototype;
  P.prop = function (name, value) {
    var o = object(this.__node, "prop()");
    if (arguments.length > 1) { o[String(name)] = inserted(o, value); return this; }
    if (!Object.prototype.hasOwnProperty.call(o, name)) throw fail("Unable to find '" + name + "'");
    return new Node(o[name]);
  };
  P.hasProp = function (name) {
    return kind(this.__node) === "OBJECT" && Object.prototype.hasOwnProperty.call(this.__node, name);
  };
  P.deleteProp = function (names) {
    var o = object(this.__node, "deleteProp()");
    names = Array.isArray(names) ? names : [names];
    for (var i = 0; i < names.length; i++) {
      if (!Object.prototype.hasOwnProperty.call(o, names[i])) throw fail("Unable to find '" + names[i] + "'");
      delete o[names[i]];
    }
    return this;
  };
  P.fieldNames = function () {
    return list(Array.isArray(this.__node) ? [] : Object.keys(object(this.__node, "fieldNames()")));
  };
  P.elements = function () {
    return list(array(this.__node, "elements()").map(function (x) { return new Node(x); }));
  };
  P.isObject = function () { return kind(this.__node) === "OBJECT"; };
  P.isArray = function () { return kind(this.__node) === "ARRAY"; };
  P.isString = function () { return kind(this.__node) === "STRING"; };
  P.isNumber = function () { return kind(this.__node) === "NUMBER"; };
  P.isBoolean = function () { return kind(this.__node) === "BOOLEAN"; };
  P.isNull = function () { return kind(this.__node) === "NULL"; };
  P.isValue = function () { return !isContainer(this.__node); };
  P.stringValue = function () { return typed(this.__node, "STRING"); };
  P.numberValue = function () { return typed(this.__node, "NUMBER"); };
  P.boolValue = function () { return typed(this.__node, "BOOLEAN"); };
  P.value = function () {
    if (this.__node === null || isContainer(this.__node)) {
      throw fail("Expected 'String/Number/Boolean', got '" + kind(this.__node) + "'");
    }
    return this.__node;
  };
  P.toString = function () { return NJSON.stringify(this.__node); };
  P.toJSON = function () { return this.__node; };
  P.equals = function (o) { return o instanceof Node && same(this.__node, o.__node); };
  P.indexOf = function (v) { return index(array(this.__node, "indexOf()"), v, false); };
  P.lastIndexOf = function (v) { return index(array(this.__node, "lastIndexOf()"), v, true); };
  P.contains = function (v) {
    var s = jsonOf(v);
    return array(this.__node, "contains()").some(function (x) { return same(x, s); });
  };
  P.append = function (v) { return insert(this, array(this.__node, "append()").length, v); };
  P.insertAt = function (i, v) { return insert(this, position(array(this.__node, "insertAt()"), i, 1), v); };
  P.insertBefore = function (s, v) { return insert(this, index(array(this.__node, "insertBefore()"), s), v); };
  P.insertAfter = function (s, v) { return insert(this, index(array(this.__node, "insertAfter()"), s) + 1, v); };
  P.remove = function (v) { return removeAt(this, index(array(this.__node, "remove()"), v, false)); };
  P.removeLast = function (v) { return removeAt(this, index(array(this.__node, "removeLast()"), v, true)); };
  P.removeAt = function (i) { return removeAt(this, position(array(this.__node, "removeAt()"), i, 0)); };
  P.jsonPath = function (path) {
    if (typeof path !== "string") throw fail("jsonPath() takes the path as a string");
    return new Query(this.__node, path);
  };
  var Q = Query.prototype;
  Q.element = function () { return new Node(query(this.__root, this.__path)); };
  Q.elements = function () { return this.element().elements(); };
  Q.stringValue = function () { return typed(query(this.__root, this.__path), "STRING"); };
  Q.numberValue = function () { return typed(query(this.__root, this.__path), "NUMBER"); };
  Q.boolValue = function () { return typed(query(this.__root, this.__path), "BOOLEAN"); };
  Q.toJSON = function () { throw fail("a jsonPath() query cannot be a variable: call element() on it first"); };

  // JSONPath: the grammar of spin_path.py.
  var FILTER = /^\?\(\s*@((?:\.[A-Za-z_$][\w$]*|\[\d+\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$/;
  var NAME = /\*|[A-Za-z_$][\w$-]*/y;
  function literal(text, path) {
    text = text.trim();
    if (text.length >= 2 && text[0] === text[text.length - 1] && (text[0] === "'" || text[0] === '"')) {
      return text.slice(1, -1);
    }
    var words = {"true": true, "false": false, "null": null};
    if (Object.prototype.hasOwnProperty.call(words, text)) return words[text];
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
      throw fail("JSONPath '" + path + "': '" + text + "' is not a literal");
    }
    return Number(text);
  }
  function closing(path, start) {
    var quote = null, depth = 0;
    for (var j = start; j < path.length; j++) {
      var c = path[j];
      if (quote) { if (c === quote) quote = null; }
      else if (c === "'" || c === '"') quote = c;
      else if (c === "[" || c === "(") depth++;
      else if (c === "]" || c === ")") { depth--; if (depth === 0 && c === "]") return j; }
    }
    throw fail("JSONPath '" + path + "': '[' at position " + (start + 1) + " is not closed");
  }
  function split(inner) {
    var parts = [], quote = null, cur = "";
    for (var i = 0; i < inner.length; i++) {
      var c = inner[i];
      if (quote) { if (c === quote) quote = null; }
      else if (c === "'" || c === '"') quote = c;
      else if (c === ",") { parts.push(cur); cur = ""; continue; }
      cur += c;
    }
    parts.push(cur);
    return parts;
  }
  function bracket(inner, path) {
    if (inner === "*") return ["wild", null];
    if (inner[0] === "?") {
      var m = FILTER.exec(inner);
      if (!m) {
        throw fail("JSONPath '" + path + "': the filter [" + inner + "] is not supported here (filters compare " +
                   "one property of @ with a literal)");
      }
      var keys = (m[1].match(/\.[^.\[]+|\[\d+\]/g) || []).map(function (k) {
        return k[0] === "." ? k.slice(1) : Number(k.slice(1, -1));
      });
      return ["filter", [keys, m[2] || null, m[2] ? literal(m[3], path) : null]];
    }
    if (inner.indexOf(":") >= 0) {
      var b = inner.split(":").slice(0, 2).map(function (p) { return p.trim() === "" ? null : Number(p); });
      if (b.some(function (x) { return x !== null && (isNaN(x) || x % 1 !== 0); })) {
        throw fail("JSONPath '" + path + "': [" + inner + "] is not a slice");
      }
      return ["slice", b];
    }
    var items = split(inner).map(function (p) { return literal(p, path); });
    if (!items.every(function (x) { return typeof x === "string" || (typeof x === "number" && x % 1 === 0); })) {
      throw fail("JSONPath '" + path + "': [" + inner + "] is neither names nor indexes");
    }
    if (items.length === 1) return typeof items[0] === "string" ? ["name", items[0]] : ["index", items[0]];
    return ["union", items];
  }
  function parse(path) {
    if (path[0] !== "$") throw fail("JSONPath '" + path + "' must start with '$'");
    var steps = [], i = 1, m;
    while (i < path.length) {
      if (path.substr(i, 2) === "..") {
        NAME.lastIndex = i + 2; m = NAME.exec(path);
        if (!m) throw fail("JSONPath '" + path + "': a name or '*' must follow '..'");
        steps.push(["deep", m[0] === "*" ? null : m[0]]); i = NAME.lastIndex;
      } else if (path[i] === ".") {
        NAME.lastIndex = i + 1; m = NAME.exec(path);
        if (!m) throw fail("JSONPath '" + path + "': a name must follow '.' at position " + (i + 1));
        steps.push(m[0] === "*" ? ["wild", null] : ["name", m[0]]); i = NAME.lastIndex;
      } else if (path[i] === "[") {
        var end = closing(path, i);
        steps.push(bracket(path.slice(i + 1, end).trim(), path)); i = end + 1;
      } else {
        throw fail("JSONPath '" + path + "': unexpected '" + path[i] + "' at position " + (i + 1));
      }
    }
    return steps;
  }
  function children(v) {
    if (Array.isArray(v)) return v.slice();
    return isContainer(v) ? Object.keys(v).map(function (k) { return v[k]; }) : [];
  }
  function descend(v) {
    var out = [], stack = [v];
    while (stack.length) { var x = stack.pop(); out.push(x); stack.push.apply(stack, children(x).reverse()); }
    return out;
  }
  function has(v, k) { return kind(v) === "OBJECT" && Object.prototype.hasOwnProperty.call(v, k); }
  function select(v, k, arg) {
    if (k === "name") return has(v, arg) ? [v[arg]] : [];
    if (k === "index") {
      if (!Array.isArray(v) || arg < -v.length || arg >= v.length) return [];
      return [v[arg < 0 ? arg + v.length : arg]];
    }
    if (k === "wild") return children(v);
    if (k === "union") {
      return [].concat.apply([], arg.map(function (a) {
        return select(v, typeof a === "string" ? "name" : "index", a);
      }));
    }
    if (k === "slice") {
      if (!Array.isArray(v)) return [];
      var n = v.length, norm = function (x, d) { return x === null ? d : x < 0 ? Math.max(x + n, 0) : Math.min(x, n); };
      return v.slice(norm(arg[0], 0), norm(arg[1], n));
    }
    if (k === "deep") {
      var nodes = descend(v);
      if (arg === null) return [].concat.apply([], nodes.map(children));
      return nodes.filter(function (x) { return has(x, arg); }).map(function (x) { return x[arg]; });
    }
    return children(v).filter(function (item) { return matches(item, arg[0], arg[1], arg[2]); });
  }
  function matches(item, keys, op, lit) {
    for (var i = 0; i < keys.length; i++) {
      var f = select(item, typeof keys[i] === "string" ? "name" : "index", keys[i]);
      if (!f.length) return false;
      item = f[0];
    }
    if (op === null) return true;
    if (op === "==" || op === "!=") { var s = same(item, lit); return op === "==" ? s : !s; }
    var nums = typeof item === "number" && typeof lit === "number";
    if (!nums && !(typeof item === "string" && typeof lit === "string")) return false;
    return op === "<" ? item < lit : op === "<=" ? item <= lit : op === ">" ? item > lit : item >= lit;
  }
  function query(root, path) {
    var steps = parse(path.trim()), found = [root];
    steps.forEach(function (st) {
      found = [].concat.apply([], found.map(function (x) { return select(x, st[0], st[1]); }));
    });
    if (steps.every(function (st) { return st[0] === "name" || st[0] === "index"; })) {
      if (!found.length) throw fail("Unable to find json path '" + path + "'");
      return found[0];
    }
    return found;
  }

  function spin(v) {
    if (v instanceof Node) return v;
    if (v === null || v === undefined) throw fail("S()/JSON() of null: Spin needs a value");
    if (typeof v === "string" || v instanceof String) {
      v = String(v);
      if (/^\s*</.test(v)) throw fail(XML_REFUSED);
      try { return new Node(NJSON.parse(v)); } catch (e) {
        throw fail("Spin cannot read the text as JSON: " + e.message);
      }
    }
    return new Node(jsonOf(v));
  }
  var json = function (v) { return spin(v); };
  json.parse = NJSON.parse;
  json.stringify = NJSON.stringify;
  g.S = spin;
  g.JSON = json;
})(globalThis);
"""
