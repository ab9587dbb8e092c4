#!/usr/bin/env bash
# Healthcheck for the compose MongoDB: initiates the single-node replica set on first run
# (transactions need a replica set), then reports healthy once it has a primary.
set -euo pipefail
mongosh --quiet --eval '
  try { rs.status().ok } catch (e) {
    rs.initiate({ _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] }).ok
  }
  if (!db.hello().isWritablePrimary) quit(1);
'
