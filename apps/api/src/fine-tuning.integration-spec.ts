// The public API against one real API on embedded Postgres (one database for every case: each topic
// is a module in fine-tuning-cases/, registered in this order).
import './fine-tuning-cases/fixture.js';
import './fine-tuning-cases/auth.cases.js';
import './fine-tuning-cases/datasets.cases.js';
import './fine-tuning-cases/jobs-create.cases.js';
import './fine-tuning-cases/jobs-lifecycle.cases.js';
import './fine-tuning-cases/job-update.cases.js';
import './fine-tuning-cases/hostile-input.cases.js';
import './fine-tuning-cases/operations.cases.js';
import './fine-tuning-cases/resource-names.cases.js';
