// The real `aepo` bin (child processes) against a real API on an embedded Postgres, one for the file:
// each topic is a module in cli-cases/, registered in this order.
import './cli-cases/fixture.js';
import './cli-cases/setup.cases.js';
import './cli-cases/jobs.cases.js';
import './cli-cases/job-records.cases.js';
