"""The handbook website: the model rendered into pages per language (render, reading, paths), Chinese search support
(search), the mkdocs plugin that places the pages in a mkdocs-material build (plugin), and the atomic build (build).
"""
