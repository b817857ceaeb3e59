export { dashboardRoutes, type DashboardOptions } from './dashboard-routes.js';
