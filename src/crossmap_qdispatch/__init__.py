"""Q Dispatch source connector for crossmap (``connector.QDispatchSource``), its API
contract (``openapi.yaml``), a seeded data generator and a local HTTPS simulator."""
