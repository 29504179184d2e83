"""Q Dispatch source connector for crossmap, its API contract and a local simulator."""
