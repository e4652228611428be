"""The Playground page: its session state, sidebar, panels, per-frame pictures and the live loop."""
