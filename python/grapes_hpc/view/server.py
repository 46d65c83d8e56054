"""The Flask app of ``grapes view``: token check, path confinement and the JSON API.

Every request needs the random token printed in the URL (``?token=``; the page then keeps it
in a cookie), every path is confined to the served roots, and every reader error becomes a
JSON ``{"error": ...}`` answer instead of a crash.
"""

import argparse
import base64
import io
import os
import secrets
import sys
import webbrowser

import numpy as np
from flask import Flask, Response, abort, jsonify, request, send_from_directory

from . import data, volumes
from .query import QueryError, filter_mask
from .safety import Forbidden, confine, resolve_roots

STATIC = os.path.join(os.path.dirname(__file__), "static")
# Front-end libraries installed by `npm ci` (tools/setup-debian.sh) from web/package-lock.json;
# served from here so the pages work without internet. Only these files are served.
VENDOR = os.path.join(os.path.dirname(__file__), "web", "node_modules", "uplot", "dist")
VENDOR_FILES = ("uPlot.iife.min.js", "uPlot.min.css")


def _arg_path(app):
    return confine(request.args.get("path", ""), app.config["ROOTS"])


def _table(app):
    """The filtered and sorted particle table of the request's path/step/filter/sort."""
    frame = data.particle_table(_arg_path(app), request.args.get("step"))
    frame = frame[filter_mask(frame, request.args.get("filter", ""))]
    sort = request.args.get("sort")
    if sort in frame.columns:
        frame = frame.sort_values(sort, ascending=request.args.get("desc") != "1", kind="stable")
    return frame


def _register(app):
    @app.before_request
    def check_token():
        token = request.args.get("token") or request.cookies.get("grapes_token") or \
            request.headers.get("X-Grapes-Token")
        if not secrets.compare_digest(str(token or ""), app.config["TOKEN"]):
            abort(403)

    @app.errorhandler(Forbidden)
    def forbidden(error):
        return jsonify(error=str(error)), 403

    @app.errorhandler(Exception)
    def failed(error):
        if hasattr(error, "code") and hasattr(error, "get_response"):
            return error
        return jsonify(error=f"{type(error).__name__}: {error}"), 400

    @app.route("/")
    def index():
        response = send_from_directory(STATIC, "index.html")
        response.set_cookie("grapes_token", app.config["TOKEN"], httponly=True, samesite="Strict")
        return response

    @app.route("/static/<name>")
    def static_file(name):
        return send_from_directory(STATIC, name)

    @app.route("/favicon.ico")
    def favicon():
        return Response(status=204)

    @app.route("/vendor/<name>")
    def vendor_file(name):
        if name not in VENDOR_FILES:
            abort(404)
        return send_from_directory(VENDOR, name)

    @app.route("/api/series")
    def series():
        return jsonify(data.series(_arg_path(app)))

    @app.route("/api/files")
    def files():
        roots = app.config["ROOTS"]
        return jsonify(files=[dict(data.summary(p), name=data.display_name(p, roots))
                              for p in data.find_files(roots)])

    @app.route("/api/particles")
    def particles():
        frame = _table(app)
        offset = max(0, int(request.args.get("offset", 0)))
        limit = min(5000, max(1, int(request.args.get("limit", 200))))
        page = frame.iloc[offset:offset + limit]
        return jsonify(total=int(len(frame)), columns=list(frame.columns), offset=offset,
                       rows=[[data.jsonable(v) for v in row] for row in page.itertuples(index=False)])

    @app.route("/api/particles.csv")
    def particles_csv():
        frame = _table(app)
        columns = [c for c in request.args.get("columns", "").split(",") if c in frame.columns]
        text = frame[columns or list(frame.columns)].to_csv(index=False, float_format="%.17g")
        return Response(text, mimetype="text/csv", headers={
            "Content-Disposition": "attachment; filename=particles.csv"})

    @app.route("/api/particle")
    def particle():
        return jsonify(data.particle(_arg_path(app), request.args.get("step"),
                                     int(request.args["label"])))

    @app.route("/api/profiles")
    def profiles():
        return jsonify(data.profiles(_arg_path(app), request.args.get("step"),
                                     request.args.get("column", "graylevel_normed"),
                                     request.args.get("by"), int(request.args.get("groups", 4))))

    @app.route("/api/slice")
    def slice_():
        path = _arg_path(app)
        step = request.args.get("step")
        res = data.result(path, step)
        file, dataset = volumes.locate(res.attrs, path, app.config["ROOTS"])
        labels = volumes.read_slice(file, dataset, int(request.args.get("axis", 0)),
                                    int(request.args.get("index", 0))).astype(np.uint32)
        column = request.args.get("column", "volume")
        present = np.unique(labels[labels > 0]).astype(np.uint64)
        table = res.particles
        known = present[np.isin(present, table.index.to_numpy())]
        values = table.loc[known, column].to_numpy(dtype=float) if len(known) else []
        return jsonify(shape=list(labels.shape), column=column,
                       labels=base64.b64encode(labels.tobytes()).decode(),
                       lut_labels=data.jsonable(known), lut_values=data.jsonable(np.asarray(values)))


def create_app(paths, token=None):
    """The app serving the files under ``paths`` (folders, or files whose folder is served)."""
    app = Flask(__name__, static_folder=None)
    # Tables keep the file's column order (Flask sorts JSON keys by default).
    if hasattr(app, "json") and hasattr(app.json, "sort_keys"):
        app.json.sort_keys = False  # Flask >= 2.2 (Debian 12 has 2.2)
    else:
        app.config["JSON_SORT_KEYS"] = False
    app.config["ROOTS"] = resolve_roots(paths)
    app.config["TOKEN"] = token or secrets.token_urlsafe(24)
    _register(app)
    return app


def main(argv=None):
    """Parses the command line, prints the URL and serves until Ctrl-C."""
    parser = argparse.ArgumentParser(prog=os.environ.get("GRAPES_VIEW_PROG", "grapes view"),
                                     description="Browse grapes-hpc result files in a browser")
    parser.add_argument("paths", nargs="*", default=["."], help="result files or folders")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    app = create_app(args.paths)
    url = f"http://{args.host}:{args.port}/?token={app.config['TOKEN']}"
    print(f"grapes view: serving {', '.join(app.config['ROOTS'])}\n  {url}", flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    app.run(host=args.host, port=args.port, threaded=True)
    return 0
