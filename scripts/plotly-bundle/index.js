// The traces nyckeltal's pages draw before anything else: scatter (lines, markers) and bar.
// plotly.js's own partial-bundle index (lib/index-basic.js) minus pie and the world calendars.
'use strict';

var Plotly = require('plotly.js/lib/core'); // registers scatter and the components (legend, hover, annotations, ...)

Plotly.register([require('plotly.js/lib/bar')]);

module.exports = Plotly;
