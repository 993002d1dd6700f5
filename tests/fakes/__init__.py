"""In-memory fakes of the ports the services take (duck-typed to their Protocols), so service
tests run in milliseconds without moto or the emulators. They keep data, count calls and fail
records on request; they decide nothing the product decides."""
